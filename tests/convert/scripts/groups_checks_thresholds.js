// Nested groups, checks that pass and fail, thresholds on checks, durations and groups.
import http from 'k6/http';
import { check, group } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  scenarios: { main: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } },
  thresholds: {
    checks: ['rate>0.5'],
    'checks{group:::api}': ['rate==1.0'],
    'http_req_duration{group:::api::nested}': ['p(95)<2000'],
    http_req_failed: ['rate<0.01'],
    'group_duration{group:::api}': ['max<5000'],
  },
};

export default function () {
  group('api', function () {
    const res = http.get(`${BASE}/`);
    check(res, {
      'status 200': (r) => r.status === 200,
      'three items': (r) => r.json('items').length === 3,
    });
    group('nested', () => {
      const missing = http.get(`${BASE}/status/404`, { responseCallback: http.expectedStatuses(404) });
      check(missing, { 'is 404': (r) => r.status === 404 });
    });
  });
  group('failing', () => {
    check(null, { 'always fails': () => false });
  });
}
