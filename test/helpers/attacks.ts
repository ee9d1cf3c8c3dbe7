/** Every operation a caller with a bad token tries on one item: each must be refused and change nothing. */
export const everyOperation = (itemId: string) =>
  [
    ['GET', '/beta/me/profile/positions', undefined],
    ['POST', '/beta/me/profile/positions', { detail: { jobTitle: 'intruder' } }],
    ['PATCH', `/beta/me/profile/positions/${itemId}`, { isCurrent: false }],
    ['DELETE', `/beta/me/profile/positions/${itemId}`, undefined],
    ['GET', '/beta/me', undefined],
  ] as const;
