// Written after k6's examples/http_batch.js, plus batch's object and named forms, against the local target.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE;

export default function () {
  const responses = http.batch([`${BASE}/`, `${BASE}/bin/pi`]);
  check(responses[0], { 'main page 200': (res) => res.status === 200 });
  check(responses[1], {
    'pi page 200': (res) => res.status === 200,
    'pi page has right content': (res) => res.body === '3.14',
  });

  const named = http.batch({
    front: `${BASE}/`,
    pi: ['GET', `${BASE}/bin/pi`, null, { tags: { name: 'pi' } }],
    form: {
      method: 'POST',
      url: `${BASE}/bin/post`,
      body: { field: 'value' },
      params: { headers: { 'X-Batch': 'object-form' }, tags: { name: 'form' } },
    },
  });
  check(named, {
    'named form gives names': (r) => Object.keys(r).sort().join(',') === 'form,front,pi',
    'front 200': (r) => r.front.status === 200,
    'pi is 3.14': (r) => r.pi.body === '3.14',
    'form posted': (r) => r.form.json().form.field === 'value',
    'form params headers sent': (r) => r.form.json().headers['x-batch'] === 'object-form',
  });
}
