// The ceiling: a bare node:http server doing only the JSON work of each graph-profile operation (parse
// the body, add id, timestamps and OData annotations, build the full null-filled item(s), stringify),
// with no token check, no storage, no framework. Plain JavaScript so that no loader runs in it.
// PORT (0: any free port); prints {"port":N} on stdout once listening.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const BASE = '/beta/me/profile/positions';
const USER = { displayName: 'Bench User', id: 'b3c1e0d2-0000-4000-8000-00000000be1c' };
const ORIGIN = 'http://';

// Graph writes seven fraction digits: 2026-11-29T14:11:15.8470000Z.
const graphNow = () => `${new Date().toISOString().slice(0, -1)}0000Z`;
const identity = () => ({ application: null, device: null, user: { displayName: USER.displayName, id: USER.id } });
const entityContext = (host) => `${ORIGIN}${host}/beta/$metadata#users('${USER.id}')/profile/positions/$entity`;

/** Every workPosition property, unset ones null: the shape graph-profile answers with. */
function emptyItem(id, now) {
  return {
    '@odata.etag': 'W/"1"',
    id,
    allowedAudiences: 'organization',
    inference: null,
    createdDateTime: now,
    createdBy: identity(),
    lastModifiedDateTime: now,
    lastModifiedBy: identity(),
    source: null,
    sources: null,
    isSearchable: null,
    categories: null,
    detail: {
      company: {
        displayName: null,
        pronunciation: null,
        department: null,
        officeLocation: null,
        address: { type: null, postOfficeBox: null, street: null, city: null, state: null, countryOrRegion: null, postalCode: null },
        webUrl: null,
        companyCode: null,
        costCenter: null,
        division: null,
        secondaryDepartment: null,
      },
      description: null,
      employeeId: null,
      employeeType: null,
      endMonthYear: null,
      jobTitle: null,
      layer: null,
      level: null,
      role: null,
      secondaryJobTitle: null,
      secondaryRole: null,
      startMonthYear: null,
      summary: null,
    },
    manager: null,
    colleagues: null,
    isCurrent: null,
  };
}

/** The "Create workPosition" example as graph-profile stores and returns it. */
function exampleItem(id, now) {
  return {
    '@odata.etag': 'W/"1"',
    id,
    allowedAudiences: 'organization',
    inference: null,
    createdDateTime: now,
    createdBy: identity(),
    lastModifiedDateTime: now,
    lastModifiedBy: identity(),
    source: null,
    sources: null,
    isSearchable: null,
    categories: null,
    detail: {
      company: {
        displayName: 'Adventureworks Ltd.',
        pronunciation: null,
        department: 'Consulting',
        officeLocation: 'AW23/344',
        address: {
          type: 'business',
          postOfficeBox: null,
          street: '123 Patriachy Ponds',
          city: 'Moscow',
          state: null,
          countryOrRegion: 'Russian Federation',
          postalCode: 'RU-34621',
        },
        webUrl: 'https://www.adventureworks.com',
        companyCode: null,
        costCenter: null,
        division: null,
        secondaryDepartment: null,
      },
      description: null,
      employeeId: null,
      employeeType: null,
      endMonthYear: null,
      jobTitle: 'Senior Product Branding Manager II',
      layer: null,
      level: null,
      role: 'consulting',
      secondaryJobTitle: null,
      secondaryRole: null,
      startMonthYear: null,
      summary: null,
    },
    manager: null,
    colleagues: null,
    isCurrent: true,
  };
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** PATCH-style merge: nested objects member by member, anything else replaces. Mutates `into`. */
function merge(into, patch) {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (isObject(value) && isObject(into[key])) merge(into[key], value);
    else into[key] = value;
  }
  return into;
}

function send(res, status, body, headers) {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req, res, then) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, { error: { code: 'BadRequest', message: 'invalid JSON' } });
      return;
    }
    if (!isObject(body)) send(res, 400, { error: { code: 'BadRequest', message: 'expected an object' } });
    else then(body);
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const path = url.split('?', 1)[0];
  const host = req.headers.host ?? '';
  if (path === BASE) {
    if (req.method === 'GET') {
      const now = graphNow();
      const value = [];
      for (let i = 0; i < 10; i++) value.push(exampleItem(randomUUID(), now));
      send(res, 200, { '@odata.context': `${ORIGIN}${host}/beta/$metadata#users('${USER.id}')/profile/positions`, value });
      return;
    }
    if (req.method === 'POST') {
      readJson(req, res, (body) => {
        const id = randomUUID();
        const item = merge(emptyItem(id, graphNow()), body);
        send(res, 201, { '@odata.context': entityContext(host), ...item }, {
          location: `${ORIGIN}${host}/beta/users/${USER.id}/profile/positions/${id}`,
          etag: 'W/"1"',
        });
      });
      return;
    }
  } else if (path.startsWith(`${BASE}/`)) {
    const id = path.slice(BASE.length + 1);
    if (req.method === 'GET') {
      send(res, 200, { '@odata.context': entityContext(host), ...exampleItem(id, graphNow()) }, { etag: 'W/"1"' });
      return;
    }
    if (req.method === 'PATCH') {
      readJson(req, res, (body) => {
        const item = merge(exampleItem(id, graphNow()), body);
        item.lastModifiedDateTime = graphNow();
        item['@odata.etag'] = 'W/"2"';
        send(res, 200, { '@odata.context': entityContext(host), ...item }, { etag: 'W/"2"' });
      });
      return;
    }
    if (req.method === 'DELETE') {
      req.resume();
      send(res, 204);
      return;
    }
  }
  req.resume();
  send(res, 404, { error: { code: 'itemNotFound', message: 'not found' } });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
