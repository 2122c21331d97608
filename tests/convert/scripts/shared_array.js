// SharedArray loaded from a data file with open(); each VU picks users by iteration.
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

const users = new SharedArray('users', function () {
  return JSON.parse(open('./data/users.json')).users;
});

export const options = { vus: 2, iterations: 6, thresholds: { checks: ['rate==1.0'] } };

export default function () {
  const user = users[__ITER % users.length];
  const res = http.post(`${BASE}/items`, JSON.stringify({ name: user.name, email: user.email }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'echoes the user': (r) => r.json().email === user.email });
}
