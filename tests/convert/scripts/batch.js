// http.batch with the array, object and string request forms.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: { http_reqs: ['count==16'], checks: ['rate==1.0'] },
};

export default function () {
  const responses = http.batch([
    ['GET', `${BASE}/`, null, { tags: { name: 'root' } }],
    ['GET', `${BASE}/delay/10`],
    {
      method: 'POST',
      url: `${BASE}/items`,
      body: JSON.stringify({ name: 'x' }),
      params: { headers: { 'Content-Type': 'application/json' } },
    },
    `${BASE}/status/404`,
  ]);
  check(responses[0], { 'root ok': (r) => r.status === 200 });
  check(responses[2], { 'created': (r) => r.json().name === 'x' });
  check(responses[3], { 'missing': (r) => r.status === 404 });
}
