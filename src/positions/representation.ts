// How a stored position becomes what Graph clients read: every property present, with the
// @odata.context of the canonical user (not `me`, SPEC §5).
import { shapeComplex } from '../model/shape.ts';
import { workPosition } from '../model/graph-types.ts';
import type { PositionRecord } from '../storage/port.ts';

const collectionContext = (baseUrl: string, userId: string) => `${baseUrl}/beta/$metadata#users('${userId}')/profile/positions`;

export const positionUrl = (baseUrl: string, userId: string, id: string) => `${baseUrl}/beta/users/${userId}/profile/positions/${id}`;

export function entityResponse(baseUrl: string, record: PositionRecord): Record<string, unknown> {
  return {
    '@odata.context': `${collectionContext(baseUrl, record.userId)}/$entity`,
    ...shapeComplex(workPosition, record.body),
  };
}

export function collectionResponse(baseUrl: string, userId: string, records: readonly PositionRecord[]): Record<string, unknown> {
  return {
    '@odata.context': collectionContext(baseUrl, userId),
    value: records.map((r) => shapeComplex(workPosition, r.body)),
  };
}
