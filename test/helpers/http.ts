// Real HTTP requests from tests, with the body parsed when it is JSON.

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: any;
}

export interface RequestOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request; `path` is relative to `baseUrl`, or an absolute URL (an @odata.nextLink). */
export async function httpRequest(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization ??= `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const url = /^https?:\/\//.test(path) ? path : baseUrl + path;
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Every item of a collection, following @odata.nextLink to the end. */
export async function listAll(request: (path: string) => Promise<Reply>, path: string): Promise<any[]> {
  const items: any[] = [];
  let next: string | undefined = path;
  for (let pages = 0; next !== undefined; pages++) {
    if (pages >= 1000) throw new Error(`paging of ${path} does not end`);
    const r: Reply = await request(next);
    if (r.status !== 200) throw new Error(`GET ${next}: ${r.status} ${r.text}`);
    items.push(...(r.json.value as any[]));
    next = r.json['@odata.nextLink'];
  }
  return items;
}
