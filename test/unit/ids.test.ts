// Item ids: GUIDs that sort in the order they were made (UUID version 7 layout).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUID } from '../../src/model/validate.ts';
import { timeOrderedIdGenerator } from '../../src/profile/ids.ts';

test('ids are version-7 GUIDs, unique, in the order made, also past 4096 in one millisecond', () => {
  const clock = { ms: 1_795_000_000_000 };
  const next = timeOrderedIdGenerator(() => clock.ms);
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) ids.push(next());
  clock.ms -= 5; // a clock that steps back does not break the order
  for (let i = 0; i < 100; i++) ids.push(next());
  clock.ms += 1000;
  ids.push(next());
  for (const id of ids) {
    assert.match(id, GUID);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(ids.at(-1)!.slice(0, 13).replace('-', ''), (clock.ms).toString(16).padStart(12, '0'), 'the timestamp leads');
});
