// setup() creates an item whose id every iteration reads; teardown() deletes it.
import http from 'k6/http';
import { check, fail } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = { vus: 2, iterations: 4, thresholds: { checks: ['rate==1.0'] } };

export function setup() {
  const res = http.post(`${BASE}/items`, JSON.stringify({ name: 'fixture' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  return { id: res.json().id, base: BASE };
}

export default function (data) {
  const res = http.get(`${data.base}/status/200?item=${data.id}`);
  check(res, { 'item id carried': () => data.id > 0, 'ok': (r) => r.status === 200 });
}

export function teardown(data) {
  const res = http.del(`${data.base}/items/${data.id}`);
  if (res.status !== 200) {
    fail('teardown could not delete the fixture');
  }
}

export function handleSummary(data) {
  const reqs = data.metrics.http_reqs.values.count;
  return { stdout: `handleSummary: ${reqs} requests, ${data.metrics.checks.values.passes} checks passed\n` };
}
