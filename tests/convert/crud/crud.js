// The seed's CREATE/DELETE test of Albert inventory items, as the original stack wrote it in k6.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Rate } from 'k6/metrics';
import { faker } from '@faker-js/faker';

const configuration = {
  host: __ENV.ALBERT_BASE_URL || 'https://dev.albertinventdev.com',
  performanceTester: {
    name: 'performanceTester',
    email: 'performanceTester@albertinvent.com',
    userId: 'USR215409',
    location: 'LOC37511',
    token: __ENV.ALBERT_TOKEN || 'JWT_TOKEN_HERE',
  },
};

const throttled = new Rate('albert_throttled');

export const options = {
  scenarios: {
    crud: { executor: 'per-vu-iterations', vus: 2, iterations: 3 },
  },
  thresholds: {
    checks: ['rate>=1.0'],
    'http_req_duration{group:::CREATE}': ['p(95)<250'],
    'http_req_duration{group:::DELETE}': ['p(95)<250'],
    albert_throttled: ['rate<0.01'],
  },
};

const params = (name) => ({
  headers: {
    Authorization: `Bearer ${configuration.performanceTester.token}`,
    'Content-Type': 'application/json',
  },
  tags: { name: name },
  timeout: 10000,
});

function inventoryItem() {
  return {
    name: `lcperf ${faker.word.noun()} ${faker.string.uuid().slice(0, 8)}`,
    description: faker.lorem.sentence(),
    category: 'RawMaterials',
    ACL: [],
    Metadata: {
      requestedBy: faker.person.fullName(),
      contact: faker.internet.email(),
      supplier: faker.company.name(),
      batchSize: faker.number.int({ min: 1, max: 500 }),
      receivedAt: faker.date.past().toISOString(),
      tester: configuration.performanceTester.userId,
    },
  };
}

export default function () {
  let inventoryId = null;

  group('CREATE', () => {
    const res = http.post(`${configuration.host}/api/v3/inventories`, JSON.stringify(inventoryItem()), params('POST /inventories'));
    throttled.add(res.status === 429);
    check(res, {
      created: (r) => (r.status === 200 || r.status === 201) && r.json().albertId.startsWith('INV'),
    });
    if (res.status === 200 || res.status === 201) {
      inventoryId = res.json().albertId;
    }
  });

  if (!inventoryId) {
    return;
  }

  group('DELETE', () => {
    const res = http.del(`${configuration.host}/api/v3/inventories/${inventoryId}`, null, params('DELETE /inventories/{id}'));
    throttled.add(res.status === 429);
    check(res, { deleted: (r) => r.status === 200 || r.status === 204 });
  });

  sleep(0.05);
}
