// Graph writes DateTimeOffset values in UTC with seven fractional digits (100 ns ticks). JavaScript
// clocks give milliseconds; the remaining four digits count up within a millisecond, so that the
// timestamps one process takes are strictly increasing, which keeps "oldest first" a total order for
// items made in one burst. (Milliseconds and the count are kept apart: ticks since 1970 exceed 2^53.)

export type Clock = () => string;

const PER_MS = 10_000;

export function graphClock(now: () => number = Date.now): Clock {
  let lastMs = -Infinity;
  let count = 0;
  return () => {
    const ms = Math.floor(now());
    if (ms > lastMs) {
      lastMs = ms;
      count = 0;
    } else if (++count === PER_MS) {
      lastMs += 1;
      count = 0;
    }
    const iso = new Date(lastMs).toISOString(); // 2020-07-06T06:34:12.229Z
    return `${iso.slice(0, 23)}${String(count).padStart(4, '0')}Z`;
  };
}
