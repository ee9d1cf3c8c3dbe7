// POST /beta/$batch (SPEC §5). Placeholder: filled in by the $batch work of issue 3.
import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';

export function registerBatchRoute(_app: FastifyInstance, _config: Config, _deps: { verifier: TokenVerifier }): void {}
