// Cookies: a Set-Cookie from one response goes back with the next request of the same VU.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  vus: 1,
  iterations: 4,
  thresholds: { 'checks{cookie:echo}': ['rate==1.0'] },
};

export default function () {
  http.get(`${BASE}/cookies/set?session=abc${__ITER}`);
  const res = http.get(`${BASE}/cookies`);
  const sent = res.json().cookie;
  check(res, { 'cookie sent back': () => sent.includes('session=abc' + __ITER) }, { cookie: 'echo' });
}
