// Stored values are sparse (unset members are absent); Graph responses list every declared property,
// unset ones as null, nested complex values likewise (SPEC §2).
import { type ComplexType, type TypeRef, propertiesOf } from './types.ts';
import type { JsonObject } from './validate.ts';

export function shapeComplex(type: ComplexType, stored: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, prop] of propertiesOf(type)) out[name] = shapeValue(prop.type, stored[name]);
  return out;
}

export function shapeValue(type: TypeRef, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (type.kind) {
    case 'complex':
      return shapeComplex(type.type, v as JsonObject);
    case 'collection':
      return (v as unknown[]).map((item) => shapeValue(type.of, item));
    default:
      return v;
  }
}
