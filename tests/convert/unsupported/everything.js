// Every construct outside the converter's subset, one per line: each must become a TODO(convert).
import http from 'k6/http';
import { check, group } from 'k6';
import ws from 'k6/ws';
import { parseHTML } from 'k6/html';
import { randomString } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';
import { faker } from '@faker-js/faker';

class Client {}

export default function () {
  eval('1 + 1');
  const swapped = 'abc'.replace(/b/g, 'x');
  const deep = swapped?.length;
  outer: for (const a of [1]) { break outer; }
  const product = faker.commerce.productName();
  http.get('http://127.0.0.1:9/', { cookies: { a: 'b' } });
  const now = new Date();
  const kind = typeof now === 'string';
  this.x = 1;
  let bits = 8; bits >>>= 1;
  switch (bits) { case 1: check(bits, {}); case 2: check(bits, {}); break; }
  const page = http.get('http://127.0.0.1:9/').html();
  const total = [1, 2].reduce((s, v) => s + v, 0);
  const { a = 1 } = { a: 2 };
  const y = bits++;
  group('early', () => { if (bits) return; check(bits, {}); });
  http.get('http://127.0.0.1:9/', { timeout: bits });
  const jar = http.cookieJar();
  const setCookies = http.get('http://127.0.0.1:9/').cookies;
  const all = Promise.all([]);
  ws.connect('ws://127.0.0.1:9/', {}, () => {});
}
