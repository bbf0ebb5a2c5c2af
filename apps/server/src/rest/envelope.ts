import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { Injectable } from '@nestjs/common';
import { Authenticator, type Credentials } from '@quarry/auth';
import { MessageManager, type Envelope, type OperationRef } from '@quarry/core';

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

/**
 * Turns an HTTP request into a message-manager envelope and runs it: the only thing REST
 * controllers do. A client that disconnects cancels its operation.
 */
@Injectable()
export class RestEdge {
  constructor(
    private readonly auth: Authenticator,
    private readonly manager: MessageManager,
  ) {}

  /** `op` is a typed reference, never a name: the route resolves with that operation's result type. */
  async handle<A, R>(request: Request & { id?: unknown }, op: OperationRef<A, R>, args: unknown): Promise<R> {
    const controller = new AbortController();
    // The request's own 'close' has fired once its body was read; the response's fires when the
    // connection goes, and before the answer was written that means the client gave up.
    request.res?.once('close', () => {
      if (!request.res?.writableFinished) controller.abort();
    });
    const envelope: Envelope & { op: OperationRef<A, R> } = {
      op,
      args,
      principal: await this.auth.authenticate(credentialsOf(request)),
      transport: 'rest',
      requestId: typeof request.id === 'string' ? request.id : randomUUID(),
      signal: controller.signal,
    };
    return this.manager.handle(envelope);
  }
}

/** `?wait=true` / `?wait=1` → true. */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  return value === 'true' || value === '1' || value === '';
}
