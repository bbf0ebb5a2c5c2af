import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import pinoHttp from 'pino-http';
import type { Logger } from '@quarry/observability';

const REQUEST_ID = /^[\w.-]{1,128}$/;
const MAX_REASON = 300;

type LoggedResponse = ServerResponse & { locals?: { reason?: string } };

/** The message of an error body: Quarry's `{ error: { message } }`, JSON-RPC's, or GraphQL's `errors[0]`. */
export function reasonOf(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const text = value.toString();
    if (!text.startsWith('{')) return undefined;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  const { error, errors } = value as { error?: { message?: unknown }; errors?: { message?: unknown }[] };
  const message = error?.message ?? (Array.isArray(errors) ? errors[0]?.message : undefined);
  return typeof message === 'string' ? message.slice(0, MAX_REASON) : undefined;
}

/**
 * Keeps the reason of an error answer, so the request's log line can say why it failed. Every
 * answer ends in `res.end` (Express's json/send, Nest, the MCP SDK's raw writeHead/end alike).
 */
function captureReason(_req: Request, res: Response, next: NextFunction): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (res.statusCode >= 400 && (typeof chunk === 'string' || Buffer.isBuffer(chunk)))
      res.locals.reason ??= reasonOf(chunk);
    return end(...args);
  }) as Response['end'];
  next();
}

/**
 * One short line per request: `GET /v1/search 200 12ms <request id>`, and for an error answer
 * its reason. The request id is the caller's X-Request-Id when it is sane, else a new UUID,
 * and is sent back in X-Request-Id.
 */
export function requestLog(logger: Logger) {
  const log = pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => req.url === '/health' },
    // Only the fields below: no headers, no remote ports (a request line was ~920 bytes before).
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, base) => fields(req, res as LoggedResponse, base),
    customErrorObject: (req, res, error, base) => ({
      ...fields(req, res as LoggedResponse, base),
      err: error,
    }),
    customSuccessMessage: (req, res, ms) => line(req, res as LoggedResponse, ms),
    // pino-http passes the response time as a fourth argument its types do not declare.
    customErrorMessage: ((req: IncomingMessage, res: ServerResponse, _error: Error, ms: number) =>
      line(req, res as LoggedResponse, ms)) as (
      req: IncomingMessage,
      res: ServerResponse,
      error: Error,
    ) => string,
  });
  return [captureReason, log] as const;
}

function fields(req: IncomingMessage, res: LoggedResponse, base: Record<string, unknown>) {
  const reason = res.statusCode >= 400 ? res.locals?.reason : undefined;
  return {
    method: req.method,
    path: (req as Request).originalUrl ?? req.url,
    status: res.statusCode,
    ms: base.responseTime,
    ...(reason ? { reason } : {}),
  };
}

function line(req: IncomingMessage, res: LoggedResponse, ms: number): string {
  const reason = res.statusCode >= 400 ? res.locals?.reason : undefined;
  const id = (req as IncomingMessage & { id?: string }).id;
  return `${req.method} ${(req as Request).originalUrl ?? req.url} ${res.statusCode} ${ms}ms ${id}${reason ? ` — ${reason}` : ''}`;
}
