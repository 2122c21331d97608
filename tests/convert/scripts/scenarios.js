// Two scenarios with their own executors, exec functions, tags, start time and environment.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export const options = {
  scenarios: {
    browse: { executor: 'shared-iterations', vus: 2, iterations: 6, exec: 'browse', tags: { flow: 'browse' } },
    buy: {
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 2,
      exec: 'buyItem',
      startTime: '200ms',
      env: { ITEM: 'widget' },
    },
  },
  thresholds: {
    'http_reqs{flow:browse}': ['count==6'],
    'http_reqs{scenario:buy}': ['count==8'],
    'iterations{scenario:buy}': ['count==4'],
    checks: ['rate==1.0'],
  },
};

export function browse() {
  const r = http.get(`${BASE}/`);
  check(r, { 'browse ok': (res) => res.status === 200 });
}

export function buyItem() {
  const created = http.post(`${BASE}/items`, JSON.stringify({ name: __ENV.ITEM }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(created, {
    'named from the scenario env': (r) => r.json().name === 'widget',
    'runs in buy': () => exec.scenario.name === 'buy',
  });
  http.del(`${BASE}/items/${created.json().id}`);
}
