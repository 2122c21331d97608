// Redirects: followed by default, stopped by `redirects: 0`, limited by `redirects: 1`.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: { checks: ['rate==1.0'] },
};

export default function () {
  const followed = http.get(`${BASE}/redirect/3`);
  check(followed, { 'followed to 200': (r) => r.status === 200 });

  const stopped = http.get(`${BASE}/redirect/3`, { redirects: 0 });
  check(stopped, {
    'not followed': (r) => r.status === 302,
    'has location': (r) => r.headers['Location'] === '/redirect/2',
  });

  const limited = http.get(BASE + '/redirect/2', { redirects: 1, timeout: 2000 });
  check(limited, { 'one hop only': (r) => r.status === 302 });
}
