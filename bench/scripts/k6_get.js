// k6 side of the benchmark: one GET and one check per iteration (same as loadcell_get.py).
import http from 'k6/http';
import { check } from 'k6';

const URL = __ENV.BENCH_URL || 'http://127.0.0.1:8080/api/ping';

export default function () {
  const r = http.get(URL);
  check(r, { 'status is 200': (r) => r.status === 200 });
}
