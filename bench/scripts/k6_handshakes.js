// k6 side of bench/tls_wire.py (same as loadcell_handshakes.py).
import http from 'k6/http';
import { check, sleep } from 'k6';

const URL = __ENV.BENCH_URL || 'https://127.0.0.1:18443/api/ping';

export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '5s', target: 50 }], gracefulRampDown: '0s' },
  },
};

export default function () {
  const r = http.get(URL);
  check(r, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
