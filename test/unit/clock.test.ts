import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphClock } from '../../src/profile/clock.ts';

const FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

test('timestamps taken within one millisecond are strictly increasing, seven fractional digits', () => {
  const clock = graphClock(() => 1_780_000_000_000);
  const stamps = Array.from({ length: 12_000 }, clock);
  for (const s of stamps) assert.match(s, FORMAT);
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! > stamps[i - 1]!, `${stamps[i]} after ${stamps[i - 1]}`);
  assert.equal(stamps[0], '2026-05-28T20:26:40.0000000Z');
  assert.equal(stamps[1], '2026-05-28T20:26:40.0000001Z');
  // 10,000 in one millisecond spill into the next.
  assert.equal(stamps[10_000], '2026-05-28T20:26:40.0010000Z');
});

test('a clock that goes backwards does not make timestamps go backwards', () => {
  const times = [5_000, 4_000, 4_000, 6_000];
  const clock = graphClock(() => times.shift()!);
  const stamps = [clock(), clock(), clock(), clock()];
  assert.deepEqual(stamps, [
    '1970-01-01T00:00:05.0000000Z',
    '1970-01-01T00:00:05.0000001Z',
    '1970-01-01T00:00:05.0000002Z',
    '1970-01-01T00:00:06.0000000Z',
  ]);
});
