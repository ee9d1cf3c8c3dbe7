// The reference model of tests that write through the real server: what it acknowledged, by path.
// Every read must match it: acknowledged writes are all there as acknowledged, and a write that was
// refused (any answer but a 2xx) changed nothing.
import assert from 'node:assert/strict';
import { type Reply, listAll } from './http.ts';

type Json = Record<string, any>;

/** The server a model is checked against: anything with the test helpers' request method. */
interface Server {
  request(method: string, path: string, opts: { token?: string }): Promise<Reply>;
}

/** An entity as it is stored and served, without the context URL of the answer that carried it. */
export const entity = (r: Reply): Json => {
  const { '@odata.context': _context, ...rest } = r.json;
  return rest;
};

/** What the service acknowledged, by path: the reference that every read must match. */
export class Acknowledged {
  readonly items = new Map<string, Json>();

  /** Records a write's answer: its entity when 2xx, nothing otherwise (a refused write changes nothing). */
  note(method: string, path: string, r: Reply): void {
    if (r.status >= 300) return;
    if (method === 'POST') this.items.set(`${path}/${r.json.id}`, entity(r));
    else if (method === 'PATCH') this.items.set(path, entity(r));
    else if (method === 'DELETE' && path.endsWith('/profile')) {
      for (const key of [...this.items.keys()]) if (key.startsWith(`${path}/`)) this.items.delete(key);
    } else if (method === 'DELETE') this.items.delete(path);
  }

  /** Every acknowledged item is served exactly as acknowledged, and no other item is listed. */
  async verify(server: Server, token: string, collections: readonly string[]): Promise<void> {
    const listed = new Set<string>();
    for (const c of collections) {
      for (const it of await listAll((p) => server.request('GET', p, { token }), c)) listed.add(`${c}/${it.id}`);
    }
    assert.deepEqual([...listed].sort(), [...this.items.keys()].sort(), 'the items listed are those acknowledged');
    for (const [path, want] of this.items) {
      const r = await server.request('GET', path, { token });
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.deepEqual(entity(r), want, `${path} is served as it was acknowledged`);
    }
  }
}
