import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { resolvePrincipal } from '@quarry/auth';
import type { Envelope } from '@quarry/core';
import type { QuarryRuntime } from '@quarry/runtime';

/** Turns an HTTP request into a message-manager envelope: the only thing REST controllers do. */
export function envelopeFrom(runtime: QuarryRuntime, request: Request & { id?: unknown }, op: string, args: unknown): Envelope {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const controller = new AbortController();
  request.on('close', () => {
    if (!request.complete || !request.readableEnded) controller.abort();
  });
  return {
    op,
    args,
    principal: resolvePrincipal(
      { authorization: header('authorization'), apiKey: header('x-api-key'), remoteAddress: request.socket.remoteAddress },
      runtime.config.apiKeys,
    ),
    transport: 'rest',
    requestId: typeof request.id === 'string' ? request.id : randomUUID(),
    signal: controller.signal,
  };
}

/** `?wait=true` / `?wait=1` → true. */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === 'true' || value === '1' || value === '';
}
