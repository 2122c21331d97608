// Tagging without HTML: test-wide tags, request tags from a params variable and inline, check tags.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  vus: 1,
  iterations: 5,
  tags: { suite: 'convert' },
  thresholds: {
    'http_req_duration{name:status}': ['max<2000'],
    'http_reqs{kind:api}': ['count==10'],
    'http_reqs{kind:other}': ['count==5'],
    'checks{page:home}': ['rate>0.99'],
  },
};

export default function () {
  const params = { tags: { name: 'status', kind: 'api' } };
  http.get(`${BASE}/status/200`, params);
  const home = http.get(`${BASE}/?page=${__ITER}`, { tags: { name: 'home', kind: 'api' } });
  check(home, { 'home ok': (r) => r.status === 200 }, { page: 'home' });
  const echoed = http.get(`${BASE}/headers`, { headers: { 'X-Test': 'yes' }, tags: { kind: 'other' } });
  check(echoed, { 'header sent': (r) => r.json()['x-test'] === 'yes' });
}
