// Property: for random data sets and random $top / $skip / $orderby, following @odata.nextLink to the
// end yields exactly the sequence of one unpaged request, which is the order a reference sort gives.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await TestServer.start();
});
after(() => server.dispose());

const item = fc.record({
  jobTitle: fc.option(fc.constantFrom('Analyst', 'Auditor', 'auditor', 'Engineer', 'Zed', ''), { nil: null }),
  layer: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  isCurrent: fc.option(fc.boolean(), { nil: null }),
  company: fc.option(fc.constantFrom('Contoso', 'Fabrikam'), { nil: null }),
});

const KEYS = { 'detail/jobTitle': (p: any) => p.detail?.jobTitle ?? null, 'detail/layer': (p: any) => p.detail?.layer ?? null, 'detail/company/displayName': (p: any) => p.detail?.company?.displayName ?? null, isCurrent: (p: any) => p.isCurrent } as const;
type Key = keyof typeof KEYS;

const orderBy = fc.uniqueArray(fc.constantFrom(...(Object.keys(KEYS) as Key[])), { maxLength: 3 }).chain((keys) =>
  fc.tuple(fc.constant(keys), fc.array(fc.boolean(), { minLength: keys.length, maxLength: keys.length })),
);

/** OData order: null lowest; strings by code unit; then the service's tie-breakers, createdDateTime and id. */
function referenceSort(items: any[], keys: Key[], desc: boolean[]): any[] {
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as any) < (b as any) ? -1 : 1);
  return [...items].sort((x, y) => {
    for (const [i, k] of keys.entries()) {
      const c = cmp(KEYS[k](x), KEYS[k](y));
      if (c !== 0) return desc[i] ? -c : c;
    }
    return cmp(x.createdDateTime, y.createdDateTime) || cmp(x.id, y.id);
  });
}

test('paging through nextLink yields the unpaged sorted list', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(item, { maxLength: 25 }),
      fc.integer({ min: 1, max: 7 }),
      fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
      orderBy,
      async (items, top, skip, [keys, desc]) => {
        const { token } = await server.token({ upn: `${randomUUID()}@contoso.com`, scopes: ['User.ReadWrite'] });
        const created = [];
        for (const it of items) {
          const body = { isCurrent: it.isCurrent, detail: { jobTitle: it.jobTitle, layer: it.layer, company: it.company === null ? null : { displayName: it.company } } };
          created.push((await server.request('POST', '/beta/me/profile/positions', { token, body })).json);
        }
        const order = keys.map((k, i) => `${k}${desc[i] ? ' desc' : ''}`).join(',');
        const options = [order && `$orderby=${encodeURIComponent(order)}`, skip !== undefined && `$skip=${skip}`].filter(Boolean);

        const unpaged = await server.request('GET', `/beta/me/profile/positions?${[...options, '$top=999'].join('&')}`, { token });
        assert.equal(unpaged.status, 200, unpaged.text);
        const expected = referenceSort(created, keys, desc).slice(skip ?? 0).map((p) => p.id);
        assert.deepEqual(unpaged.json.value.map((p: any) => p.id), expected, 'one unpaged request differs from the reference order');

        const paged: string[] = [];
        let path: string | undefined = `/beta/me/profile/positions?${[...options, `$top=${top}`].join('&')}`;
        for (let pages = 0; path; pages++) {
          assert.ok(pages <= items.length + 1, 'paging does not end');
          const res = await server.request('GET', path, { token });
          assert.equal(res.status, 200, res.text);
          assert.ok(res.json.value.length <= top);
          paged.push(...res.json.value.map((p: any) => p.id));
          const next: string | undefined = res.json['@odata.nextLink'];
          if (next) assert.equal(res.json.value.length, top, 'a page before the last one is full');
          path = next?.slice(server.url.length);
        }
        assert.deepEqual(paged, expected);
      },
    ),
    { numRuns: 50 },
  );
});
