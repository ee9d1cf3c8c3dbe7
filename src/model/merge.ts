// PATCH semantics of OData 4.01 §11.4.3: members present replace stored values, nested complex values
// merge member by member, collections are replaced whole, and null clears.
import { type ComplexType, propertiesOf } from './types.ts';
import { type JsonObject, isPlainObject } from './validate.ts';

/** Returns a new sparse value; neither argument is modified. `patch` must have passed validation. */
export function mergePatch(type: ComplexType, stored: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...stored };
  const props = propertiesOf(type);
  for (const [key, value] of Object.entries(patch)) {
    const prop = props.get(key);
    if (!prop) continue;
    if (value === null) {
      delete out[key];
    } else if (prop.type.kind === 'complex' && isPlainObject(value)) {
      const current = out[key];
      out[key] = mergePatch(prop.type.type, isPlainObject(current) ? current : {}, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}
