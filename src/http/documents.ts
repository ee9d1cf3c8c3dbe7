// $metadata, OpenAPI and the API reference page (SPEC §5). Placeholder: filled in by issue 3.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

export function registerDocumentRoutes(_app: FastifyInstance, _config: Config): void {}
