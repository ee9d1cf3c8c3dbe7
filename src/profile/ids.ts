// Item ids: GUIDs in the UUID version 7 layout (RFC 9562): a millisecond timestamp first, then a
// counter within the millisecond, then 62 random bits. Still GUIDs to every client, but new items of
// a profile sort after the old ones, so each insert lands at the end of the profile's range in the
// primary-key index instead of on a random page. (The `uuid` package's v7 costs about 6 µs an id here,
// against 0.1 µs for crypto.randomUUID; this takes its random bytes from a pooled buffer.)
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = Buffer.alloc(8 * POOL_IDS);
let poolIndex = POOL_IDS;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function timeOrderedIdGenerator(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let seq = 0;
  return () => {
    let ms = Math.floor(now());
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else if (++seq > 0xfff) {
      // 4096 ids in one millisecond: borrow the next one, so that order is kept.
      lastMs += 1;
      seq = 0;
    }
    ms = lastMs;
    if (poolIndex === POOL_IDS) {
      randomFillSync(pool);
      poolIndex = 0;
    }
    const r = poolIndex++ * 8;
    const hi = Math.floor(ms / 0x10000); // top 32 of the 48 timestamp bits
    const lo = ms % 0x10000;
    const h = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
    return (
      `${h(hi, 4)}-${h(lo, 2)}-${h(0x7000 | seq, 2)}-` +
      `${HEX[0x80 | (pool[r]! & 0x3f)]}${HEX[pool[r + 1]!]}-` +
      `${HEX[pool[r + 2]!]}${HEX[pool[r + 3]!]}${HEX[pool[r + 4]!]}${HEX[pool[r + 5]!]}${HEX[pool[r + 6]!]}${HEX[pool[r + 7]!]}`
    );
  };
}
