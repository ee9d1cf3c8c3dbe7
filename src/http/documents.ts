// Public documents (no token): $metadata (CSDL), the OpenAPI description and a browsable API reference
// (Swagger UI, served from the swagger-ui-dist package on this server: no CDN, works offline).
import { createRequire } from 'node:module';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { DOCS_CSP } from './headers.ts';
import { serviceCsdl } from '../model/csdl.ts';
import { openApiDocument } from '../model/openapi.ts';
import { registerMethodNotAllowed } from './routes.ts';

const ASSETS = '/docs/assets/';
/** The only files of swagger-ui-dist served: its own index.html would load the Petstore example from the internet. */
const ASSET_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

// The package's main module loads the whole browser bundle into Node; its path helper alone does not.
const swaggerUiPath = (createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string)();

/** The path prefix of PUBLIC_URL (a proxy may publish the service under one), so that page links resolve. */
function pathPrefix(config: Config): string {
  return config.publicUrl ? new URL(config.publicUrl).pathname.replace(/\/+$/, '') : '';
}

function referencePage(prefix: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>graph-profile API reference</title>
<link rel="stylesheet" href="${prefix}${ASSETS}swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="${prefix}${ASSETS}favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${prefix}${ASSETS}swagger-ui-bundle.js"></script>
<script src="${prefix}/docs/init.js"></script>
</body>
</html>
`;
}

// A separate script rather than an inline one, so that a Content-Security-Policy without
// 'unsafe-inline' scripts can be put in front. validatorUrl: null, because Swagger UI otherwise sends
// the document to validator.swagger.io for its badge.
function initScript(prefix: string): string {
  const options = { url: `${prefix}/openapi.json`, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, persistAuthorization: false };
  return `window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(options)}, { presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout' }));\n`;
}

export function registerDocumentRoutes(app: FastifyInstance, config: Config): void {
  const prefix = pathPrefix(config);
  let openApiJson: string | undefined;

  app.get('/beta/$metadata', async (_req, reply) => reply.type('application/xml;charset=utf-8').send(serviceCsdl()));
  registerMethodNotAllowed(app, '/beta/$metadata', ['GET']);

  app.get('/openapi.json', async (_req, reply) => {
    // Relative to the document unless PUBLIC_URL says where the service is published.
    openApiJson ??= JSON.stringify(openApiDocument(config.publicUrl ? { serverUrl: config.publicUrl } : {}));
    return reply.type('application/json;charset=utf-8').send(openApiJson);
  });
  registerMethodNotAllowed(app, '/openapi.json', ['GET']);

  const page = referencePage(prefix);
  app.get('/docs', async (_req, reply) => reply.type('text/html;charset=utf-8').header('Content-Security-Policy', DOCS_CSP).send(page));
  registerMethodNotAllowed(app, '/docs', ['GET']);
  const init = initScript(prefix);
  app.get('/docs/init.js', async (_req, reply) => reply.type('text/javascript;charset=utf-8').send(init));

  app.register(fastifyStatic, {
    root: swaggerUiPath,
    prefix: ASSETS,
    decorateReply: false,
    index: false,
    // Any other file of the package is answered like an unknown path (Graph-shaped 404).
    allowedPath: (pathName) => ASSET_FILES.has(pathName.replace(/^\/+/, '')),
  });
}
