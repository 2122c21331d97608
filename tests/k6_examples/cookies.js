// Written after k6's examples/cookies.js (request cookies, the VU jar, local jars, jar.set with attributes),
// against the local target's httpbin routes.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { maxRedirects: 3 };
const BASE = __ENV.BASE;
const HOST = BASE.split('//')[1].split(':')[0];

export default function () {
  group('request cookies, VU jar', function () {
    const res = http.get(`${BASE}/bin/cookies`, { cookies: { name: 'value1', name2: 'value2' } });
    check(res, {
      'status is 200': (r) => r.status === 200,
      "has cookie 'name'": (r) => r.json().cookies.name === 'value1',
      "has cookie 'name2'": (r) => r.json().cookies.name2 === 'value2',
    });
    const forURL = http.cookieJar().cookiesForURL(res.url);
    check(null, { "vu jar doesn't have 'name'": () => forURL.name === undefined });
  });

  group('set by the server, VU jar', function () {
    const res = http.get(`${BASE}/bin/cookies/set?name3=value3&name4=value4`);
    check(res, {
      'status is 200': (r) => r.status === 200,
      'redirect sent them back': (r) => r.json().cookies.name3 === 'value3',
      'no cookies on the last hop': (r) => Object.keys(r.cookies).length === 0,
    });
    const forURL = http.cookieJar().cookiesForURL(res.url);
    check(null, {
      "vu jar has 'name3'": () => forURL.name3[0] === 'value3',
      "vu jar has 'name4'": () => forURL.name4[0] === 'value4',
    });
  });

  group('request cookies, local jar', function () {
    const jar = new http.CookieJar();
    const res = http.get(`${BASE}/bin/cookies`, { cookies: { name5: 'value5' }, jar: jar });
    check(res, {
      "has cookie 'name5'": (r) => r.json().cookies.name5 === 'value5',
      'VU jar not sent': (r) => r.json().cookies.name3 === undefined,
    });
    check(null, { "local jar doesn't have 'name5'": () => jar.cookiesForURL(res.url).name5 === undefined });
  });

  group('jar.set, local jar', function () {
    const jar = new http.CookieJar();
    jar.set(`${BASE}/bin/cookies`, 'name7', 'value7');
    const res = http.get(`${BASE}/bin/cookies`, { jar: jar });
    check(res, { "has cookie 'name7'": (r) => r.json().cookies.name7 === 'value7' });
    check(null, {
      "local jar has 'name7'": () => jar.cookiesForURL(res.url).name7[0] === 'value7',
      "vu jar doesn't have 'name7'": () => http.cookieJar().cookiesForURL(res.url).name7 === undefined,
    });
  });

  group('cookie attributes, replace, delete, clear', function () {
    const jar = http.cookieJar();
    jar.set(`${BASE}/bin/cookies`, 'name9', 'value9', { domain: HOST, path: '/bin/cookies' });
    let res = http.get(`${BASE}/bin/cookies`);
    check(res, { "has cookie 'name9'": (r) => r.json().cookies.name9 === 'value9' });
    jar.set(`${BASE}/bin/cookies`, 'name10', 'value10', { domain: 'example.com', path: '/' });
    res = http.get(`${BASE}/bin/cookies`, { cookies: { name9: { value: 'new9', replace: true } } });
    check(res, {
      "doesn't have cookie 'name10'": (r) => r.json().cookies.name10 === undefined,
      'request cookie replaced the jar one': (r) => r.json().cookies.name9 === 'new9',
    });
    // Go's jar (k6's) deletes the cookie stored under the URL's directory (/bin) only.
    jar.delete(`${BASE}/bin/cookies`, 'name9');
    check(null, { 'delete keeps a cookie of another path': () => jar.cookiesForURL(`${BASE}/bin/cookies`).name9[0] === 'value9' });
    jar.set(`${BASE}/bin/cookies`, 'name11', 'value11');
    jar.delete(`${BASE}/bin/cookies`, 'name11');
    check(null, { 'delete removes a default-path cookie': () => jar.cookiesForURL(`${BASE}/bin/cookies`).name11 === undefined });
    jar.set(`${BASE}/bin/cookies`, 'name12', 'value12');
    jar.clear(`${BASE}/bin/cookies`);
    check(null, {
      'clear removes default-path cookies only': () =>
        Object.keys(jar.cookiesForURL(`${BASE}/bin/cookies`)).sort().join(',') === 'name3,name4,name9',
    });
  });
}
