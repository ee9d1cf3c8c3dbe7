// Locating JSON syntax errors. V8's JSON.parse does the parsing; this scanner runs only after it has
// failed, to say where (line and column) and what was expected, in words a person can act on. V8's
// own messages sometimes give no position and sometimes quote the whole body back.

export interface JsonSyntaxError {
  /** Offset in UTF-16 code units into the text. */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Fail {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** The first syntax error in `text` by RFC 8259, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const peekDesc = () => (i >= text.length ? 'the end of the body' : `'${text[i]}'`);
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (reason: string, at = i): never => {
    throw new Fail(at, reason);
  };

  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    if (c === "'") fail("JSON strings must use double quotes (\"), not single quotes");
    if (c !== undefined && /[A-Za-z]/.test(c)) {
      const word = /^[A-Za-z_]+/.exec(text.slice(i, i + 20))?.[0] ?? c;
      fail(`'${word}' is not a JSON value; expected a string in double quotes, a number, an object, an array, true, false or null (JSON booleans and null are lower-case)`);
    }
    fail(`expected a JSON value but found ${peekDesc()}`);
  };

  const object = (): void => {
    i++; // {
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    let commaAt = -1;
    for (;;) {
      ws();
      if (text[i] !== '"') {
        if (text[i] === '}' && commaAt >= 0) fail("trailing comma: JSON does not allow a comma after the last member of an object", commaAt);
        fail(`expected a property name in double quotes but found ${peekDesc()}`);
      }
      string();
      ws();
      if (text[i] !== ':') fail(`expected ':' after the property name but found ${peekDesc()}`);
      i++;
      value();
      ws();
      if (text[i] === ',') {
        commaAt = i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected ',' or '}' after an object member but found ${peekDesc()}`);
    }
  };

  const array = (): void => {
    i++; // [
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    let commaAt = -1;
    for (;;) {
      ws();
      if (text[i] === ']' && commaAt >= 0) fail("trailing comma: JSON does not allow a comma after the last element of an array", commaAt);
      value();
      ws();
      if (text[i] === ',') {
        commaAt = i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected ',' or ']' after an array element but found ${peekDesc()}`);
    }
  };

  const string = (): void => {
    const start = i;
    i++; // "
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control characters (such as a line break or tab) must be escaped inside a JSON string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by four hexadecimal digits');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail(`'\\${e ?? ''}' is not a valid escape in a JSON string`);
        i += 2;
        continue;
      }
      i++;
    }
    fail('the string starting here is never closed with a double quote', start);
  };

  const number = (): void => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail(`'${text[i]}' does not start a valid JSON number`);
    i += m![0].length;
    const next = text[i];
    if (next !== undefined && /[0-9.eE]/.test(next)) fail('invalid number: JSON numbers have no leading zeros and need digits after a decimal point or exponent');
  };

  try {
    ws();
    if (i >= text.length) fail('the body is empty; expected a JSON object');
    value();
    ws();
    if (i < text.length) fail(`unexpected ${peekDesc()} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    return { offset: e.offset, reason: e.reason, ...lineAndColumn(text, e.offset) };
  }
}

/**
 * Whether the nesting of objects and arrays goes deeper than `maxDepth`, and where. A cheap pass
 * made before JSON.parse so that no deep structure is ever built.
 */
export function findExcessiveDepth(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}
