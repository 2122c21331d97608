// tests/performance/example.py in k6 JavaScript, line by line, for side-by-side runs.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Trend } from 'k6/metrics';

export const options = {
  thresholds: {
    checks: ['rate>=1.0'],
    'http_req_duration{group:::CREATE}': ['p(95)<250'],
    'http_req_duration{group:::DELETE}': ['p(95)<250'],
  },
};
const createTime = new Trend('create_time', true);

export function setup() {
  return { base: __ENV.BASE_URL || 'http://127.0.0.1:8090' };
}

export default function (data) {
  let r;
  group('CREATE', () => {
    r = http.post(`${data.base}/items`, JSON.stringify({ name: `item-${__VU}-${__ITER}` }),
      { headers: { 'Content-Type': 'application/json' }, tags: { name: 'create' } });
    check(r, { 'status is 200': (r) => r.status === 200 });
    createTime.add(r.timings.duration);
  });
  group('DELETE', () => {
    const id = r.status === 200 ? r.json().id : 0;
    r = http.del(`${data.base}/items/${id}`, null, { tags: { name: 'delete' } });
    check(r, { 'status is 200': (r) => r.status === 200 });
  });
  sleep(parseFloat(__ENV.SLEEP || '0.1'));
}
