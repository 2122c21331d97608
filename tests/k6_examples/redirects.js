// Written after k6's examples/redirects.js, against the suite's local target (httpbin's routes under /bin/).
import http from 'k6/http';
import { check } from 'k6';

export const options = { maxRedirects: 5 };
const BASE = __ENV.BASE;

export default function () {
  // Past options.maxRedirects, the last response is the redirect itself.
  let res = http.get(`${BASE}/bin/redirect/6`);
  check(res, { 'is status 302': (r) => r.status === 302 });

  // A request may set its own limit.
  res = http.get(`${BASE}/bin/redirect/1`, { redirects: 1 });
  console.log(res.status);
  check(res, {
    'is status 200': (r) => r.status === 200,
    'url is correct': (r) => r.url === `${BASE}/bin/get`,
    'referer is the last hop': (r) => r.json().headers.referer === `${BASE}/bin/redirect/1`,
  });
}
