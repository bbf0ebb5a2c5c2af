import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Credentials } from '@quarry/auth';
import type { Envelope, Principal } from '@quarry/core';
import type { QuarryRuntime } from '@quarry/runtime';

/** Credentials as every HTTP-based edge (REST, MCP HTTP and WebSocket, GraphQL) reads them. */
export function credentialsOf(request: IncomingMessage): Credentials {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    authorization: header('authorization'),
    apiKey: header('x-api-key'),
    remoteAddress: request.socket.remoteAddress,
  };
}

export function authenticate(runtime: QuarryRuntime, request: IncomingMessage): Promise<Principal> {
  return runtime.auth.authenticate(credentialsOf(request));
}

/**
 * Turns an HTTP request into a message-manager envelope and runs it: the only thing REST
 * controllers do. A client that disconnects cancels its operation.
 */
export async function handle(
  runtime: QuarryRuntime,
  request: Request & { id?: unknown },
  op: string,
  args: unknown,
): Promise<unknown> {
  const controller = new AbortController();
  // The request's own 'close' has fired once its body was read; the response's fires when the
  // connection goes, and before the answer was written that means the client gave up.
  request.res?.once('close', () => {
    if (!request.res?.writableFinished) controller.abort();
  });
  const envelope: Envelope = {
    op,
    args,
    principal: await authenticate(runtime, request),
    transport: 'rest',
    requestId: typeof request.id === 'string' ? request.id : randomUUID(),
    signal: controller.signal,
  };
  return runtime.manager.handle(envelope);
}

/** `?wait=true` / `?wait=1` → true. */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === 'true' || value === '1' || value === '';
}
