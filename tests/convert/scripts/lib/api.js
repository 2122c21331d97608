// A local helper module: converted beside the script that imports it.
import http from 'k6/http';

export const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8090';

export function createItem(name) {
  return http.post(`${BASE}/items`, JSON.stringify({ name: name }), {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'create' },
  });
}

export function removeItem(id) {
  return http.del(`${BASE}/items/${id}`, null, { tags: { name: 'delete' } });
}
