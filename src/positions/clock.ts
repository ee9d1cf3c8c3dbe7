// Graph writes DateTimeOffset values in UTC with seven fractional digits (100 ns ticks). JavaScript
// clocks give milliseconds; the remaining digits count up so that timestamps taken by one process
// are strictly increasing, which keeps "oldest first" a total order for items made in one burst.

export type Clock = () => string;

export function graphClock(now: () => number = Date.now): Clock {
  let lastTicks = 0;
  return () => {
    const ticks = Math.max(now() * 10_000, lastTicks + 1);
    lastTicks = ticks;
    const ms = Math.floor(ticks / 10_000);
    const sub = ticks % 10_000;
    const iso = new Date(ms).toISOString(); // 2020-07-06T06:34:12.229Z
    return `${iso.slice(0, 23)}${String(sub).padStart(4, '0')}Z`;
  };
}
