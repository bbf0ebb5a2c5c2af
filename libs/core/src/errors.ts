/**
 * Quarry's typed errors and the one table that maps each to HTTP status, GraphQL error code
 * and JSON-RPC error code. Every edge reports errors through this table, so a client sees the
 * same kind of failure whichever way it connected.
 */
export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'forbidden'
  | 'unauthenticated'
  | 'unavailable'
  | 'rate_limited'
  | 'conflict'
  | 'internal';

export interface ErrorMapping {
  http: number;
  graphql: string;
  jsonRpc: number;
}

export const ERROR_TABLE: Readonly<Record<ErrorKind, ErrorMapping>> = {
  invalid: { http: 400, graphql: 'BAD_USER_INPUT', jsonRpc: -32602 },
  unauthenticated: { http: 401, graphql: 'UNAUTHENTICATED', jsonRpc: -32001 },
  forbidden: { http: 403, graphql: 'FORBIDDEN', jsonRpc: -32003 },
  not_found: { http: 404, graphql: 'NOT_FOUND', jsonRpc: -32004 },
  conflict: { http: 409, graphql: 'CONFLICT', jsonRpc: -32009 },
  rate_limited: { http: 429, graphql: 'RATE_LIMITED', jsonRpc: -32029 },
  unavailable: { http: 503, graphql: 'UNAVAILABLE', jsonRpc: -32050 },
  internal: { http: 500, graphql: 'INTERNAL_SERVER_ERROR', jsonRpc: -32603 },
};

/** One problem with one input field: what the client sent wrong and why. */
export interface FieldProblem {
  field: string;
  reason: string;
}

export class QuarryError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'QuarryError';
  }

  get mapping(): ErrorMapping {
    return ERROR_TABLE[this.kind];
  }

  toJSON() {
    return { error: { code: this.kind, message: this.message, ...this.details } };
  }
}

export class InvalidError extends QuarryError {
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super('invalid', message, problems.length ? { problems } : {});
  }
}

export class NotFoundError extends QuarryError {
  constructor(what: string, id: string) {
    super('not_found', `${what} "${id}" not found`, { what, id });
  }
}

export class ForbiddenError extends QuarryError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class UnauthenticatedError extends QuarryError {
  constructor(message: string) {
    super('unauthenticated', message);
  }
}

export class ConflictError extends QuarryError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/**
 * A dependency (Elasticsearch, Redis, the embedder) cannot answer right now; the request may be
 * retried. The client is told which one ("redis is unavailable"); what it said (`reason`, e.g.
 * ioredis's "Stream isn't writeable and enableOfflineQueue options is false") is for the log.
 */
export class UnavailableError extends QuarryError {
  /** The dependency's own words: logged, never serialised to the client. */
  declare readonly reason: string;

  constructor(
    readonly service: string,
    reason: string,
  ) {
    super('unavailable', `${service} is unavailable`, { service });
    Object.defineProperty(this, 'reason', { value: reason, enumerable: false });
  }
}

export class RateLimitedError extends QuarryError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `rate limit exceeded; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/** Anything that is not a QuarryError is a bug on our side: it is reported as internal without leaking details. */
export function toQuarryError(error: unknown): QuarryError {
  if (error instanceof QuarryError) return error;
  const internal = new QuarryError('internal', 'internal error');
  // Kept for the server's logs; never serialised to the client.
  Object.defineProperty(internal, 'cause', { value: error, enumerable: false });
  return internal;
}
