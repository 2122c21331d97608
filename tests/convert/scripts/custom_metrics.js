// Custom metrics of the four kinds, with thresholds on each.
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

const waiting = new Trend('waiting_time', true);
const sizes = new Trend('body_size');
const errors = new Counter('errors');
const okRate = new Rate('ok_rate');
const lastStatus = new Gauge('last_status');

export const options = {
  vus: 3,
  iterations: 9,
  thresholds: {
    waiting_time: ['p(95)<2000'],
    body_size: ['avg>10'],
    errors: ['count<1'],
    ok_rate: ['rate==1'],
    last_status: ['value==200'],
  },
};

export default function () {
  const res = http.get(`${BASE}/`);
  waiting.add(res.timings.waiting, { page: 'home' });
  sizes.add(res.body.length);
  okRate.add(res.status === 200);
  lastStatus.add(res.status);
  if (res.status !== 200) {
    errors.add(1);
  }
}
