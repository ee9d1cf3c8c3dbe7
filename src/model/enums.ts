// Enum members on the wire: names, matched case-insensitively on input and written in their declared
// spelling. Flags enums (allowedAudiences) are comma-separated names, or a JSON array of names. OData
// also lets a client send a member's numeric value as a string ("8"); it is read as that member.
import { clip } from './quote.ts';
import type { EnumType } from './types.ts';

const lookupCache = new WeakMap<EnumType, Map<string, readonly [string, number]>>();

function lookup(type: EnumType): Map<string, readonly [string, number]> {
  let map = lookupCache.get(type);
  if (!map) {
    map = new Map(type.members.map((m) => [m[0].toLowerCase(), m]));
    lookupCache.set(type, map);
  }
  return map;
}

const NUMERIC = /^\d{1,10}$/;

/** The member's declared name, or undefined when `name` is not a member (by name or numeric value). */
export function parseEnumMember(type: EnumType, name: string): string | undefined {
  const text = name.trim();
  if (NUMERIC.test(text)) return type.members.find(([, v]) => v === Number(text))?.[0];
  return lookup(type).get(text.toLowerCase())?.[0];
}

/** Every flag of a flags type, or-ed. */
const allFlags = (type: EnumType) => type.members.reduce((all, [, v]) => all | v, 0);

export type FlagsResult = { ok: true; value: number } | { ok: false; reason: string };

export function parseFlags(type: EnumType, raw: unknown): FlagsResult {
  let names: unknown[];
  if (typeof raw === 'string') names = raw.split(',');
  else if (Array.isArray(raw)) names = raw;
  else return { ok: false, reason: `Expected a string or an array of member names, got ${raw === null ? 'null' : typeof raw}` };
  if (names.length === 0 || (names.length === 1 && typeof names[0] === 'string' && names[0].trim() === '')) {
    return { ok: false, reason: 'Expected at least one member name' };
  }
  let value = 0;
  for (const n of names) {
    if (typeof n !== 'string') return { ok: false, reason: `Expected member names as strings, got ${clip(JSON.stringify(n) ?? String(n))}` };
    const text = n.trim();
    if (NUMERIC.test(text)) {
      const v = Number(text);
      if ((v & ~allFlags(type)) !== 0 || v > allFlags(type)) return { ok: false, reason: `${text} is not a combination of member values` };
      value |= v;
      continue;
    }
    const member = lookup(type).get(text.toLowerCase());
    if (!member) return { ok: false, reason: `'${clip(text)}' is not a member` };
    value |= member[1];
  }
  return { ok: true, value };
}

/** The canonical wire form: names of the set flags in declaration order; the zero member alone when none are set. */
export function formatFlags(type: EnumType, value: number): string {
  const set = type.members.filter(([, v]) => v !== 0 && (value & v) === v).map(([n]) => n);
  if (set.length > 0) return set.join(',');
  return type.members.find(([, v]) => v === 0)?.[0] ?? '';
}

/** The numeric value of a canonical flags string (as stored). */
export function flagsValue(type: EnumType, canonical: string): number {
  const parsed = parseFlags(type, canonical);
  if (!parsed.ok) throw new Error(`not a canonical ${type.name} value: ${canonical}`);
  return parsed.value;
}
