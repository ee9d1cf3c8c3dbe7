// The route table. `/beta/me/...` and `/beta/users/{id | userPrincipalName}/...` map onto the same
// operations; a path's other methods answer 405 with Allow. Public routes (no token) are marked here,
// not recognised by URL prefix elsewhere.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Config } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import { type Facet, facetNamed, facets } from '../model/facets.ts';
import { didYouMean } from '../model/suggest.ts';
import type { ItemOperations, OperationResult, ProfileRequest } from '../profile/operations.ts';
import type { ProfileRootOperations } from '../profile/root.ts';
import type { UserOperations } from '../profile/user-operations.ts';
import { noteCaller } from './request-log.ts';
import { sendGraphError } from './error-responses.ts';
import { ODATA_JSON } from './headers.ts';
import { bodyHeaders, parseJsonBody } from './json-body.ts';

export interface Operations {
  readonly items: ItemOperations;
  readonly root: ProfileRootOperations;
  readonly user: UserOperations;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** An operation as a route calls it: with the facet of its `:collection` segment, when it has one. */
type Handler = (req: ProfileRequest, facet: Facet | undefined) => Promise<OperationResult>;

interface Route {
  readonly path: string;
  readonly methods: Partial<Record<Method, Handler>>;
  /** A path with a `:collection` segment exists for the facets this accepts (404 for the others). */
  readonly forFacet?: (facet: Facet) => boolean;
}

const USER_PREFIXES = ['/beta/me', '/beta/users/:userRef'];

/**
 * Under each user prefix: the user, its profile, and the collections of the facet table. One route
 * serves every collection, its facet looked up by name: a route per facet cost 26 MB of memory for
 * nothing (about a thousand routes with their HEAD and 405 twins).
 */
export function userRoutes({ items, root, user }: Operations): Route[] {
  const on =
    (operation: (facet: Facet, req: ProfileRequest) => Promise<OperationResult>): Handler =>
    (req, facet) =>
      operation(facet!, req);
  const any = () => true;
  return [
    { path: '', methods: { GET: user.getUser } },
    { path: '/profile', methods: { GET: root.getProfile, DELETE: root.deleteProfile } },
    { path: '/profile/:collection', forFacet: any, methods: { GET: on(items.list), POST: on(items.create) } },
    { path: '/profile/:collection/$count', forFacet: any, methods: { GET: on(items.count) } },
    // The "Add positions" reference page posts to $ref; an alias of create there (SPEC §1).
    { path: '/profile/:collection/$ref', forFacet: (f) => f.refAlias, methods: { POST: on(items.create) } },
    { path: '/profile/:collection/:itemId', forFacet: any, methods: { GET: on(items.get), PATCH: on(items.update), DELETE: on(items.remove) } },
  ];
}

/** The facet a `:collection` segment names, if the route exists for it; otherwise a Graph-shaped 404. */
function facetOf(req: FastifyRequest, route: Route): Facet | undefined {
  if (!route.forFacet) return undefined;
  const name = (req.params as { collection?: string }).collection ?? '';
  const facet = facetNamed(name);
  if (facet && route.forFacet(facet)) return facet;
  const path = req.url.split('?')[0];
  if (facet) throw new GraphError('resourceNotFound', `The path '${path}' does not exist: ${facet.collection} has no '${route.path.split('/').pop()}'.`);
  throw new GraphError(
    'resourceNotFound',
    `The path '${path}' does not exist: '${name}' is not a collection of the profile.${didYouMean(name, facets.map((f) => f.collection))} Its collections are ${facets.map((f) => f.collection).join(', ')}.`,
  );
}

const ALL_METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** A host name, IPv4 or bracketed IPv6 address, and an optional port: nothing else goes into a link. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Scheme and host of absolute links in responses: PUBLIC_URL, else the request's own Host, checked. */
export function baseUrlOf(config: Config, req: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl;
  if (!HOST.test(req.host ?? '')) throw new GraphError('badRequest', 'The Host header is missing or not a valid host name.');
  return `${req.outerProtocol ?? req.protocol}://${req.host}`;
}

export function sendResult(reply: FastifyReply, result: OperationResult): FastifyReply {
  reply.status(result.status);
  if (result.headers) reply.headers(result.headers);
  if (result.text !== undefined) return reply.type('text/plain; charset=utf-8').send(result.text);
  if (result.json !== undefined) return reply.type(ODATA_JSON).send(result.json);
  return result.body === undefined ? reply.send() : reply.type(ODATA_JSON).send(result.body);
}

export function registerProfileRoutes(app: FastifyInstance, config: Config, operations: Operations): void {
  const routes = userRoutes(operations);
  for (const prefix of USER_PREFIXES) {
    for (const route of routes) {
      const url = prefix + route.path;
      for (const [method, operation] of Object.entries(route.methods)) {
        app.route({
          method: method as HTTPMethods,
          url,
          handler: async (req, reply) => sendResult(reply, await operation(toProfileRequest(config, req), facetOf(req, route))),
        });
      }
      registerMethodNotAllowed(app, url, Object.keys(route.methods), (req) => facetOf(req, route));
    }
  }
}

/** `exists` throws (a 404) when the path does not exist after all, as a `:collection` that names none. */
export function registerMethodNotAllowed(app: FastifyInstance, url: string, allowed: readonly string[], exists?: (req: FastifyRequest) => unknown): void {
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : [...allowed];
  const others = ALL_METHODS.filter((m) => !allow.includes(m));
  app.route({
    method: [...others],
    url,
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      exists?.(req);
      return sendGraphError(
        req,
        reply.header('Allow', allow.join(', ')),
        new GraphError('methodNotAllowed', `The HTTP method '${req.method}' is not allowed here; allowed: ${allow.join(', ')}.`),
      );
    },
  });
}

function toProfileRequest(config: Config, req: FastifyRequest): ProfileRequest {
  const params = req.params as { userRef?: string; itemId?: string };
  const [path = '', query = ''] = splitOnce(req.url, '?');
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return {
    path,
    query,
    ifMatch: header('if-match'),
    ifNoneMatch: header('if-none-match'),
    noteCaller: (caller) => noteCaller(req, caller),
    authorization: req.headers.authorization,
    userRef: params.userRef ?? null,
    ...(params.itemId !== undefined ? { itemId: params.itemId } : {}),
    readBody: () => parseJsonBody(bodyHeaders(req), req.body as Buffer | undefined, config.limits),
    baseUrl: baseUrlOf(config, req),
  };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
