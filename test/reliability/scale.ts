// How big the reliability suite runs: sized to finish in a few minutes under `npm test`, bigger under
// `npm run soak` (which sets RELIABILITY_SCALE=soak). The same code either way.

export const isSoak = (): boolean => process.env.RELIABILITY_SCALE === 'soak';

export function reliabilityScale<T>(sizes: { readonly test: T; readonly soak: T }): T {
  return isSoak() ? sizes.soak : sizes.test;
}
