// Strict JSON reading (SPEC §3): where a syntax error is (line and column) and why, the nesting-depth
// guard, and the Content-Type / UTF-8 rules of parseJsonBody.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { defaultLimits, type Limits } from '../../src/config.ts';
import { GraphError } from '../../src/errors/graph-error.ts';
import { isJsonContentType, parseJsonBody } from '../../src/http/json-body.ts';
import { findExcessiveDepth, findJsonSyntaxError, lineAndColumn } from '../../src/http/json-syntax.ts';

interface SyntaxRow {
  name: string;
  text: string;
  /** Where the error must be reported and a phrase its reason must contain; 'valid' for valid JSON. */
  expect: { line: number; column: number; reason: string } | 'valid';
}

const syntaxRows: SyntaxRow[] = [
  // Trailing commas: the position is the comma itself, not the closing bracket after it.
  { name: 'trailing comma in an object', text: '{"a":1,}', expect: { line: 1, column: 7, reason: 'trailing comma' } },
  { name: 'trailing comma in an array', text: '[1,2,]', expect: { line: 1, column: 5, reason: 'trailing comma' } },
  {
    name: 'trailing comma in an object, whitespace before the brace',
    text: '{"a": 1 ,   \n }',
    expect: { line: 1, column: 9, reason: 'after the last member of an object' },
  },
  {
    name: 'trailing comma in an array, whitespace before the bracket',
    text: '["x",\n\n]',
    expect: { line: 1, column: 5, reason: 'after the last element of an array' },
  },
  { name: 'single-quoted string value', text: `{"a":'x'}`, expect: { line: 1, column: 6, reason: 'double quotes' } },
  { name: 'single-quoted property name', text: `{'a':1}`, expect: { line: 1, column: 2, reason: 'property name in double quotes' } },
  { name: 'unquoted property name', text: '{a:1}', expect: { line: 1, column: 2, reason: 'property name in double quotes' } },
  { name: 'capitalised True', text: '{"isCurrent":True}', expect: { line: 1, column: 14, reason: "'True' is not a JSON value" } },
  { name: 'capitalised NULL', text: '[NULL]', expect: { line: 1, column: 2, reason: 'lower-case' } },
  { name: 'bare word', text: '{"a":undefined}', expect: { line: 1, column: 6, reason: "'undefined' is not a JSON value" } },
  { name: 'truncated literal', text: '[tru]', expect: { line: 1, column: 2, reason: "'tru'" } },
  { name: 'NaN', text: '[NaN]', expect: { line: 1, column: 2, reason: "'NaN' is not a JSON value" } },
  { name: 'missing colon', text: '{"a" 1}', expect: { line: 1, column: 6, reason: "expected ':'" } },
  { name: 'missing comma between members', text: '{"a":1 "b":2}', expect: { line: 1, column: 8, reason: "expected ',' or '}'" } },
  { name: 'missing comma between elements', text: '[1 2]', expect: { line: 1, column: 4, reason: "expected ',' or ']'" } },
  { name: 'leading comma in array', text: '[,1]', expect: { line: 1, column: 2, reason: "expected a JSON value but found ','" } },
  { name: 'unclosed string (points at its opening quote)', text: '{"a":"x', expect: { line: 1, column: 6, reason: 'never closed' } },
  { name: 'unclosed object', text: '{"a":1', expect: { line: 1, column: 7, reason: 'the end of the body' } },
  { name: 'unescaped tab in a string', text: '{"a":"x\ty"}', expect: { line: 1, column: 8, reason: 'control characters' } },
  { name: 'unescaped line break in a string', text: '{"a":"x\ny"}', expect: { line: 1, column: 8, reason: 'must be escaped' } },
  { name: 'bad escape', text: '{"a":"\\x"}', expect: { line: 1, column: 7, reason: "'\\x' is not a valid escape" } },
  { name: 'short \\u escape', text: '["\\u12"]', expect: { line: 1, column: 3, reason: 'four hexadecimal digits' } },
  // Number errors point at the first character that cannot continue the number.
  { name: 'leading zero', text: '{"layer":01}', expect: { line: 1, column: 11, reason: 'leading zeros' } },
  { name: 'negative leading zero', text: '[-01]', expect: { line: 1, column: 4, reason: 'leading zeros' } },
  { name: 'no digits after the decimal point', text: '[1.]', expect: { line: 1, column: 3, reason: 'digits after a decimal point' } },
  { name: 'no digits in the exponent', text: '[1e]', expect: { line: 1, column: 3, reason: 'exponent' } },
  { name: 'lone minus', text: '[-]', expect: { line: 1, column: 2, reason: 'valid JSON number' } },
  { name: 'leading plus', text: '[+1]', expect: { line: 1, column: 2, reason: "found '+'" } },
  { name: 'garbage after the value', text: '{"a":1} x', expect: { line: 1, column: 9, reason: "unexpected 'x' after the end" } },
  { name: 'second closing brace', text: '{"a":1}}', expect: { line: 1, column: 8, reason: 'after the end of the JSON value' } },
  { name: 'two values', text: '{}\n{}', expect: { line: 2, column: 1, reason: "unexpected '{'" } },
  { name: 'empty body', text: '', expect: { line: 1, column: 1, reason: 'empty' } },
  { name: 'whitespace-only body', text: ' \n ', expect: { line: 2, column: 2, reason: 'empty' } },
  { name: 'byte order mark', text: '\uFEFF{}', expect: { line: 1, column: 1, reason: 'expected a JSON value' } },
  // Multi-line bodies: line and column are counted across \n, the column restarting at 1.
  {
    name: 'multi-line: trailing comma in nested array',
    text: '{\n  "a": 1,\n  "b": [1,\n 2,\n ],\n}',
    expect: { line: 4, column: 3, reason: 'trailing comma' },
  },
  {
    name: 'multi-line: seed-like trailing comma after the last detail member',
    text: '{\n  "detail": {\n    "jobTitle": "x",\n    "role": "consulting",\n  },\n  "isCurrent": true\n}',
    expect: { line: 4, column: 25, reason: 'after the last member of an object' },
  },
  { name: 'multi-line: CRLF line ends', text: '{"a":1,\r\n"b":2,}', expect: { line: 2, column: 6, reason: 'trailing comma' } },
  { name: 'multi-line: error at the start of a line', text: '[\n1,\n\n]', expect: { line: 2, column: 2, reason: 'trailing comma' } },
  { name: 'multi-line: True on line 3', text: '{\n "a": 1,\n   "b": True\n}', expect: { line: 3, column: 9, reason: "'True'" } },
  // Valid texts: the scanner must not invent errors.
  { name: 'valid: empty object', text: '{}', expect: 'valid' },
  { name: 'valid: surrounded by whitespace', text: ' \t\r\n { "k" : "v" } \n', expect: 'valid' },
  { name: 'valid: every escape', text: '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"', expect: 'valid' },
  { name: 'valid: numbers', text: '[0, -0, 10, -2.5e+3, 1E5, 2e-3, 0.001]', expect: 'valid' },
  { name: 'valid: literals', text: '[true, false, null]', expect: 'valid' },
  { name: 'valid: scalar at top level', text: '42', expect: 'valid' },
  { name: 'valid: non-ASCII text', text: '{"é":"😀 ü"}', expect: 'valid' },
  { name: 'valid: nested', text: '{"a":[{"b":[[]]},{}],"c":{"d":{"e":null}}}', expect: 'valid' },
];

const validSeedBodies = ['002-create.request.json', '004-update.request.json', '001-add-positions-ref.request.json']
  .map((f) => readFileSync(new URL(`../fixtures/seeds/${f}`, import.meta.url), 'utf8'))
  .filter((t) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  });

/** Valid JSON texts the scanner must accept, and whose one-character deletions must agree with V8. */
const validTexts: string[] = [
  ...syntaxRows.filter((r) => r.expect === 'valid').map((r) => r.text),
  JSON.stringify({ allowedAudiences: 'organization', detail: { layer: 3, startMonthYear: '2024-02-29' }, categories: ['a', 'b'] }, null, 2),
  '{"a":[1,-2.5e+3,true,false,null,"x\\n\\u00e9"],"b":{"c":{}}}',
  // A number longer than any fixed look-ahead window.
  `[${'1'.repeat(401)}, -${'9'.repeat(1000)}.5e${'1'.repeat(500)}]`,
  ...validSeedBodies,
];

describe('findJsonSyntaxError', () => {
  for (const row of syntaxRows) {
    test(row.name, () => {
      const found = findJsonSyntaxError(row.text);
      if (row.expect === 'valid') {
        assert.doesNotThrow(() => JSON.parse(row.text), 'the row itself must be valid JSON');
        assert.equal(found, undefined);
        return;
      }
      assert.throws(() => JSON.parse(row.text), SyntaxError, 'the row itself must be invalid JSON');
      assert.ok(found, 'an error must be found');
      assert.deepEqual({ line: found.line, column: found.column }, { line: row.expect.line, column: row.expect.column });
      assert.ok(found.reason.includes(row.expect.reason), `reason ${JSON.stringify(found.reason)} should contain ${JSON.stringify(row.expect.reason)}`);
      assert.deepEqual(lineAndColumn(row.text, found.offset), { line: found.line, column: found.column });
    });
  }

  test('the seed fixtures are recognised: valid ones pass, the trailing-comma one is located', () => {
    assert.ok(validSeedBodies.length >= 2, 'at least two seed bodies are valid JSON');
    for (const t of validSeedBodies) assert.equal(findJsonSyntaxError(t), undefined);
    const older = readFileSync(new URL('../fixtures/seeds/000-create-older.request.json', import.meta.url), 'utf8');
    const found = findJsonSyntaxError(older);
    assert.ok(found);
    assert.match(found.reason, /trailing comma/);
    // The reported position is a comma followed only by whitespace and a closing brace.
    assert.equal(older[found.offset], ',');
    assert.match(older.slice(found.offset + 1), /^\s*\}/);
  });

  test('every valid text is accepted', () => {
    for (const t of validTexts) assert.equal(findJsonSyntaxError(t), undefined, JSON.stringify(t));
  });

  test('agrees with JSON.parse on every one-character deletion of the valid texts', () => {
    let checked = 0;
    let invalid = 0;
    for (const t of validTexts) {
      for (let i = 0; i < t.length; i++) {
        const mutated = t.slice(0, i) + t.slice(i + 1);
        let v8Accepts = true;
        try {
          JSON.parse(mutated);
        } catch {
          v8Accepts = false;
        }
        const found = findJsonSyntaxError(mutated);
        checked++;
        if (!v8Accepts) {
          invalid++;
          assert.notEqual(found, undefined, `JSON.parse rejects ${JSON.stringify(mutated)} but no error was found`);
          assert.ok(found!.offset >= 0 && found!.offset <= mutated.length);
        } else {
          assert.equal(found, undefined, `JSON.parse accepts ${JSON.stringify(mutated)} but an error was reported`);
        }
      }
    }
    assert.ok(checked > 1000 && invalid > 100, `checked ${checked} mutations, ${invalid} invalid`);
  });
});

describe('lineAndColumn', () => {
  const rows: Array<{ text: string; offset: number; line: number; column: number }> = [
    { text: 'abc', offset: 0, line: 1, column: 1 },
    { text: 'abc', offset: 2, line: 1, column: 3 },
    { text: 'ab\ncd', offset: 2, line: 1, column: 3 }, // the \n itself belongs to line 1
    { text: 'ab\ncd', offset: 3, line: 2, column: 1 },
    { text: 'ab\ncd\n\nx', offset: 7, line: 4, column: 1 },
    { text: 'a\r\nb', offset: 3, line: 2, column: 1 },
    { text: 'ab', offset: 2, line: 1, column: 3 }, // the end of the text
  ];
  for (const r of rows) {
    test(`${JSON.stringify(r.text)} at ${r.offset} is line ${r.line}, column ${r.column}`, () => {
      assert.deepEqual(lineAndColumn(r.text, r.offset), { line: r.line, column: r.column });
    });
  }
});

describe('findExcessiveDepth', () => {
  const rows: Array<{ name: string; text: string; max: number; at: number | undefined }> = [
    { name: 'exactly at the limit', text: '['.repeat(4) + ']'.repeat(4), max: 4, at: undefined },
    { name: 'one over the limit: offset of the first bracket too deep', text: '['.repeat(5) + ']'.repeat(5), max: 4, at: 4 },
    { name: 'objects count too', text: '{"a":{"b":{"c":1}}}', max: 2, at: 10 },
    { name: 'siblings do not add up', text: '[[1],[2],[3],[4]]', max: 2, at: undefined },
    { name: 'brackets inside strings do not count', text: '{"a":"[[[{{{"}', max: 1, at: undefined },
    { name: 'escaped quote does not end the string', text: '["\\"[[[["]', max: 1, at: undefined },
    { name: 'escaped backslash does end the string', text: '["\\\\",[[1]]]', max: 2, at: 7 },
    { name: 'scalar has depth 0', text: '"x"', max: 0, at: undefined },
  ];
  for (const r of rows) {
    test(r.name, () => {
      assert.equal(findExcessiveDepth(r.text, r.max), r.at);
    });
  }

  test('the default limit allows 32 levels and refuses 33', () => {
    assert.equal(defaultLimits.maxJsonDepth, 32);
    assert.equal(findExcessiveDepth('['.repeat(32) + ']'.repeat(32), defaultLimits.maxJsonDepth), undefined);
    assert.equal(findExcessiveDepth('['.repeat(33) + ']'.repeat(33), defaultLimits.maxJsonDepth), 32);
  });
});

describe('isJsonContentType', () => {
  const rows: Array<[header: string | undefined, accepted: boolean]> = [
    ['application/json', true],
    ['Application/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/json; charset=UTF-8', true],
    ['application/json;charset="utf-8"', true],
    ['application/json; charset=utf8', true],
    ['application/json;odata.metadata=minimal', true],
    ['application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false', true],
    [undefined, false],
    ['', false],
    ['text/plain', false],
    ['text/json', false],
    ['application/xml', false],
    ['application/jsonx', false],
    ['application/json-patch+json', false],
    ['application/x-www-form-urlencoded', false],
    ['application/json; charset=utf-16', false],
    ['application/json; charset=iso-8859-1', false],
  ];
  for (const [header, accepted] of rows) {
    test(`${JSON.stringify(header)} → ${accepted ? 'accepted' : 'refused'}`, () => {
      assert.equal(isJsonContentType(header), accepted);
    });
  }
});

describe('parseJsonBody', () => {
  const body = (s: string) => Buffer.from(s, 'utf8');
  const small = (over: Partial<Limits>): Limits => ({ ...defaultLimits, ...over });

  interface ErrorRow {
    name: string;
    contentType: string | undefined;
    encoding?: string;
    raw: Buffer | undefined;
    limits?: Limits;
    status: number;
    code: string;
    message: RegExp;
  }
  const errorRows: ErrorRow[] = [
    { name: 'no Content-Type', contentType: undefined, raw: body('{}'), status: 415, code: 'UnsupportedMediaType', message: /no Content-Type header/ },
    { name: 'text/plain', contentType: 'text/plain', raw: body('{}'), status: 415, code: 'UnsupportedMediaType', message: /application\/json.*'text\/plain'/ },
    { name: 'form encoding', contentType: 'application/x-www-form-urlencoded', raw: body('a=1'), status: 415, code: 'UnsupportedMediaType', message: /application\/json/ },
    {
      name: 'charset=utf-16',
      contentType: 'application/json; charset=utf-16',
      raw: Buffer.from('{}', 'utf16le'),
      status: 415,
      code: 'UnsupportedMediaType',
      message: /UTF-8.*charset=utf-16/,
    },
    {
      name: 'invalid UTF-8 bytes',
      contentType: 'application/json',
      raw: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      status: 400,
      code: 'BadRequest',
      message: /not valid UTF-8/,
    },
    {
      name: 'truncated multi-byte UTF-8 sequence',
      contentType: 'application/json; charset=utf-8',
      raw: Buffer.concat([body('{"a":"'), Buffer.from([0xc3]), body('"}')]),
      status: 400,
      code: 'BadRequest',
      message: /not valid UTF-8/,
    },
    {
      name: 'nested deeper than the limit',
      contentType: 'application/json',
      raw: body('{"a":\n  [[[1]]]}'),
      limits: small({ maxJsonDepth: 3 }),
      status: 400,
      code: 'BadRequest',
      message: /nested more than 3 levels deep \(at line 2, column 5\)/,
    },
    {
      name: 'trailing comma',
      contentType: 'application/json',
      raw: body('{\n  "jobTitle": "x",\n}'),
      status: 400,
      code: 'BadRequest',
      message: /trailing comma.*line 2, column 18/,
    },
    {
      name: 'capitalised True',
      contentType: 'application/json',
      raw: body('{"isCurrent": True}'),
      status: 400,
      code: 'BadRequest',
      message: /'True'.*line 1, column 15/,
    },
    { name: 'empty body', contentType: 'application/json', raw: body(''), status: 400, code: 'BadRequest', message: /empty.*line 1, column 1/ },
    { name: 'no body at all', contentType: 'application/json', raw: undefined, status: 400, code: 'BadRequest', message: /empty.*line 1, column 1/ },
    {
      name: 'larger than maxBodyBytes',
      contentType: 'application/json',
      raw: body('{"a":"0123456789"}'),
      limits: small({ maxBodyBytes: 10 }),
      status: 413,
      code: 'RequestEntityTooLarge',
      message: /larger than 10 bytes \(MAX_BODY_BYTES\)/,
    },
    // Content-Encoding (SPEC §3).
    {
      name: 'gzip that decodes to more than maxBodyBytes (a decompression bomb)',
      contentType: 'application/json',
      encoding: 'gzip',
      raw: gzipSync(body(`{"a":"${'0'.repeat(100_000)}"}`)),
      limits: small({ maxBodyBytes: 1000 }),
      status: 413,
      code: 'RequestEntityTooLarge',
      message: /larger than 1000 bytes \(MAX_BODY_BYTES\), once decoded/,
    },
    { name: 'gzip that is not gzip', contentType: 'application/json', encoding: 'gzip', raw: body('{"a":1}'), status: 400, code: 'BadRequest', message: /not valid gzip data/ },
    { name: 'deflate that is not deflate', contentType: 'application/json', encoding: 'deflate', raw: body('{"a":1}'), status: 400, code: 'BadRequest', message: /not valid deflate data/ },
    { name: 'an unsupported coding', contentType: 'application/json', encoding: 'br', raw: brotliCompressSync(body('{}')), status: 415, code: 'UnsupportedMediaType', message: /Content-Encoding 'br' is not supported; send the body as gzip, deflate or identity/ },
    {
      name: 'a gzip body with a JSON error: line and column of the decoded text',
      contentType: 'application/json',
      encoding: 'gzip',
      raw: gzipSync(body('{\n  "a": 1,\n}')),
      status: 400,
      code: 'BadRequest',
      message: /trailing comma.*line 2, column 9/,
    },
  ];
  for (const row of errorRows) {
    test(`refuses: ${row.name} (${row.status})`, () => {
      assert.throws(
        () => parseJsonBody({ contentType: row.contentType, contentEncoding: row.encoding }, row.raw, row.limits ?? defaultLimits),
        (e: unknown) => {
          assert.ok(e instanceof GraphError, 'a GraphError');
          assert.equal(e.status, row.status);
          assert.equal(e.code, row.code);
          assert.match(e.message, row.message);
          return true;
        },
      );
    });
  }

  const okRows: Array<{ name: string; contentType: string; encoding?: string; raw: Buffer; limits?: Limits; value: unknown }> = [
    { name: 'application/json', contentType: 'application/json', raw: body('{"a":1}'), value: { a: 1 } },
    { name: 'charset=utf-8', contentType: 'application/json; charset=utf-8', raw: body('{"a":"é"}'), value: { a: 'é' } },
    { name: 'odata.metadata parameter', contentType: 'application/json;odata.metadata=minimal', raw: body('{"a":[true]}'), value: { a: [true] } },
    {
      name: 'exactly at the depth limit',
      contentType: 'application/json',
      raw: body('{"a":[[1]]}'),
      limits: small({ maxJsonDepth: 3 }),
      value: { a: [[1]] },
    },
    { name: 'exactly maxBodyBytes', contentType: 'application/json', raw: body('{"a":"12"}'), limits: small({ maxBodyBytes: 10 }), value: { a: '12' } },
    { name: 'multi-byte characters', contentType: 'application/json', raw: body('{"city":"Zürich 😀"}'), value: { city: 'Zürich 😀' } },
    { name: 'gzip', contentType: 'application/json', encoding: 'gzip', raw: gzipSync(body('{"a":"é"}')), value: { a: 'é' } },
    { name: 'x-gzip, any case', contentType: 'application/json', encoding: 'X-GZIP', raw: gzipSync(body('{"a":1}')), value: { a: 1 } },
    { name: 'deflate (zlib format)', contentType: 'application/json', encoding: 'deflate', raw: deflateSync(body('{"a":2}')), value: { a: 2 } },
    { name: 'deflate sent bare (raw deflate)', contentType: 'application/json', encoding: 'deflate', raw: deflateRawSync(body('{"a":3}')), value: { a: 3 } },
    { name: 'identity', contentType: 'application/json', encoding: 'identity', raw: body('{"a":4}'), value: { a: 4 } },
    { name: 'two codings, undone last first', contentType: 'application/json', encoding: 'deflate, gzip', raw: gzipSync(deflateSync(body('{"a":5}'))), value: { a: 5 } },
    {
      name: 'gzip decoding to exactly maxBodyBytes',
      contentType: 'application/json',
      encoding: 'gzip',
      raw: gzipSync(body(`{"a":"${'x'.repeat(32)}"}`)),
      limits: small({ maxBodyBytes: 40 }),
      value: { a: 'x'.repeat(32) },
    },
  ];
  for (const row of okRows) {
    test(`accepts: ${row.name}`, () => {
      assert.deepEqual(parseJsonBody({ contentType: row.contentType, contentEncoding: row.encoding }, row.raw, row.limits ?? defaultLimits), row.value);
    });
  }

  test('the depth check runs before parsing, even when the body is also malformed', () => {
    assert.throws(
      () => parseJsonBody({ contentType: 'application/json' }, body('['.repeat(40)), defaultLimits),
      (e: unknown) => e instanceof GraphError && e.status === 400 && /nested more than 32 levels deep \(at line 1, column 33\)/.test(e.message),
    );
  });
});
