// The script of tests/integration/test_k6_parity.py, with the shared-iterations executor.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 5, iterations: 40 } },
  thresholds: { 'http_req_duration{name:home}': ['max<1000'], my_counter: ['count>5'] },
};
const myTrend = new Trend('my_trend', true);
const myCounter = new Counter('my_counter');
const myRate = new Rate('my_rate');
const myGauge = new Gauge('my_gauge');
export default function () {
  group('pages', () => {
    const r = http.get(`${__ENV.BASE_URL}/delay/5`, { tags: { name: 'home' } });
    check(r, { 'status is 200': (r) => r.status === 200 });
    myTrend.add(r.timings.waiting);
  });
  myCounter.add(1);
  myRate.add(true);
  myGauge.add(2);
  sleep(0.01);
}
