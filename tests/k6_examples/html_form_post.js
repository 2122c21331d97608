// Written after k6's examples/html_form_post.js: an object body is form-urlencoded (arrays as repeated fields).
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE;
const form = { name: 'Test Name', email: 'test@example.com', topping: ['onion', 'bacon', 'cheese'] };

export default function () {
  const res = http.post(`${BASE}/bin/post`, form);
  check(res, {
    'status is 200': (r) => r.status === 200,
    'has correct name': (r) => r.json().form.name === form.name,
    'has correct email': (r) => r.json().form.email === form.email,
    'has correct toppings': (r) => JSON.stringify(r.json().form.topping) === JSON.stringify(form.topping),
  });
}
