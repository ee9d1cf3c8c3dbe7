// Stored values are sparse (unset members are absent); Graph responses list every declared property,
// unset ones as null, nested complex values likewise (SPEC §2).
import { createHash } from 'node:crypto';
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

/**
 * A short digest of the response shape of a type (its properties, their order, nested complex types):
 * it changes exactly when the shaped JSON of a value would, so stored shaped JSON can be marked with it.
 */
export function shapeFingerprint(type: ComplexType): string {
  const describe = (t: ComplexType, seen: readonly string[]): string =>
    `${t.name}{${[...propertiesOf(t)]
      .map(([name, p]) => `${name}:${describeRef(p.type, seen)}`)
      .join(',')}}`;
  const describeRef = (ref: TypeRef, seen: readonly string[]): string => {
    if (ref.kind === 'collection') return `[${describeRef(ref.of, seen)}]`;
    if (ref.kind !== 'complex') return '.';
    // A type nested in itself is shaped only as deep as the value goes; its name stands for it.
    return seen.includes(ref.type.name) ? ref.type.name : describe(ref.type, [...seen, ref.type.name]);
  };
  return createHash('sha256').update(describe(type, [type.name])).digest('base64url').slice(0, 12);
}
