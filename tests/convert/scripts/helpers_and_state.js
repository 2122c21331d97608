// A local helper module, module-level state that k6 keeps per VU, and JavaScript built-ins.
import { check, sleep } from 'k6';
import { createItem, removeItem } from './lib/api.js';

let counter = 0;
const seen = [];

export const options = { vus: 3, iterations: 9, thresholds: { checks: ['rate==1.0'] } };

export default function () {
  counter++;
  const names = ['a', 'b', 'c'].map((n) => `${n}-${__VU}`);
  const item = createItem(names.join('+'));
  seen.push(item.json().id);
  check(counter, { 'per-VU counter': (c) => c === __ITER + 1 });
  check(seen, { 'per-VU list': (s) => s.length === counter });
  check(item, {
    'created with all names': (r) => r.json().name.split('+').length === 3,
    'small id': (r) => Math.floor(r.json().id) >= 1 && Date.now() > 0,
  });
  const payload = { ...{ a: 1 }, b: JSON.parse('{"c": 2}').c };
  let total = 0;
  for (let i = 0; i < 3; i++) {
    total += i;
  }
  Object.keys(payload).forEach((k) => {
    total += payload[k];
  });
  check(total, { 'loops and spread': (t) => t === 6 });
  removeItem(item.json().id);
  sleep(0.01);
}
