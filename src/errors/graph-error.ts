import { errorCatalogue, type ErrorDetail, type ErrorKind } from './catalogue.ts';

/** The one error type handlers throw; it leaves the service through `serializeError` only. */
export class GraphError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    kind: ErrorKind,
    message?: string,
    extra: { details?: readonly ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    const entry = errorCatalogue[kind];
    super(message ?? entry.message);
    this.name = 'GraphError';
    this.kind = kind;
    this.status = entry.status;
    this.code = entry.code;
    this.details = extra.details ?? [];
    this.headers = extra.headers ?? {};
  }
}

export const isGraphError = (e: unknown): e is GraphError => e instanceof GraphError;

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details?: ErrorDetail[];
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

/** Graph's error envelope. `innerError.date` is written as Graph writes it: UTC, whole seconds, no zone. */
export function serializeError(
  err: GraphError,
  ids: { requestId: string; clientRequestId: string },
  now: Date = new Date(),
): GraphErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details.length > 0 ? { details: [...err.details] } : {}),
      innerError: {
        date: now.toISOString().slice(0, 19),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId,
      },
    },
  };
}

/** A 400 listing every problem of a request body in `details`; the first stands as the summary. */
export function invalidRequestBody(problems: ErrorDetail[]): GraphError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}, listed in details)` : '';
  // Each message names its property, so the first one can stand as the summary.
  return new GraphError('invalidRequestBody', `${first.message}${more}`, { details: problems });
}
