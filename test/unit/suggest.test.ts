// "Did you mean": typos of declared names get the name; other words get nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { propertiesOf } from '../../src/model/types.ts';
import { workPosition } from '../../src/model/graph-types.ts';
import { closeName } from '../../src/model/suggest.ts';

const names = [...propertiesOf(workPosition).keys()];

test('close names are suggested, unrelated ones are not', () => {
  const rows: Array<[string, string | undefined]> = [
    ['isCurent', 'isCurrent'],
    ['iscurrent', 'isCurrent'],
    ['ISCURRENT', 'isCurrent'],
    ['detial', 'detail'],
    ['colleages', 'colleagues'],
    ['allowedAudience', 'allowedAudiences'],
    ['jobTitle', undefined],
    ['nope', undefined],
    ['x', undefined],
    ['', undefined],
  ];
  for (const [typed, expected] of rows) assert.equal(closeName(typed, names), expected, typed);
});
