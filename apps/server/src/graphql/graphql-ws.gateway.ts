import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getOperationAST,
  GraphQLError,
  specifiedRules,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { Authenticator } from '@quarry/auth';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { ConnectionRegistry, type Principal } from '@quarry/core';
import { LOGGER, type Logger } from '@quarry/observability';
import { credentialsOf } from '../rest/envelope';
import { ANONYMOUS_BODY_BYTES } from '../security/body-limit';
import { GraphqlContexts } from './graphql.context';
import { documentLimitErrors, parseQuery } from './graphql.limits';
import { costLimitError } from './graphql.cost';
import { formatGraphqlError } from './graphql.errors';

export const GRAPHQL_PATH = '/graphql';
/** Same bound as an HTTP body: a bulk `indexDocuments` may also come over the socket. */
const MAX_FRAME_BYTES = 20 * 1024 * 1024;
const KEEPALIVE_MS = 12_000;
/**
 * Sockets not yet authenticated by `connection_init`, at most: more upgrades are refused with 503
 * until some authenticate or time out (graphql-ws closes a socket without `connection_init` after
 * 3 s). With each bound to `ANONYMOUS_BODY_BYTES` until then, anonymous sockets hold at most 16 MiB.
 */
export const MAX_PENDING_SOCKETS = 256;
/** WebSocket close code 1009: a message too big to process. */
const MESSAGE_TOO_BIG = 1009;

/**
 * Bounds what a socket may send before it authenticates to `limit` bytes, as an HTTP body without
 * credentials is bounded (`jsonBodyParser`): a bigger `connection_init` (or anything sent before it)
 * closes the socket with 1009 and nothing more is read from it, so a caller without credentials
 * cannot make Quarry buffer and parse the 20 MB a frame may otherwise hold. Returns the release,
 * called once the socket has authenticated (or closed).
 */
function boundBeforeAuthentication(
  ws: WebSocket,
  socket: Duplex,
  limit: number,
  released: () => void,
): () => void {
  let read = 0;
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read <= limit) return;
    release();
    socket.pause();
    ws.close(MESSAGE_TOO_BIG, `more than ${limit} bytes before authentication`);
    // The close handshake cannot complete on a paused socket; it is cut off instead of waiting 30 s.
    setTimeout(() => ws.terminate(), 1_000).unref();
  };
  let done = false;
  const release = () => {
    if (done) return;
    done = true;
    socket.off('data', onData);
    ws.off('close', release);
    released();
  };
  socket.on('data', onData);
  ws.on('close', release);
  return release;
}

/** What a client may put in `connection_init` (the browser WebSocket API cannot set headers). */
interface ConnectionParams {
  authorization?: unknown;
  apiKey?: unknown;
  [key: string]: unknown;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<ExecutionResult> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) at /graphql, on the HTTP server's port beside
 * MCP's socket. The connection authenticates once, with `connection_init`'s `authorization` or
 * `apiKey` (or the upgrade request's headers); a subscription whose input is invalid is refused
 * with an `error` message at subscribe time, before any event.
 */
@Injectable()
export class GraphqlWebSocketGateway implements OnApplicationBootstrap {
  private readonly wss: WebSocketServer;
  private server?: { dispose(): void | Promise<void> };
  /** Subscriptions started in onSubscribe (so a refusal is an `error` message), picked up by `subscribe`. */
  private readonly started = new WeakMap<ExecutionArgs, AsyncIterableIterator<ExecutionResult>>();

  private readonly connectionsPerPrincipal = new Map<string, number>();
  /** Sockets still before authentication, with the release of their byte bound. */
  private readonly pending = new Map<WebSocket, () => void>();

  constructor(
    private readonly auth: Authenticator,
    @Inject(CONFIG) private readonly config: QuarryConfig,
    private readonly connectionRegistry: ConnectionRegistry,
    private readonly contexts: GraphqlContexts,
    private readonly schemaHost: GraphQLSchemaHost,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      handleProtocols: (protocols) =>
        protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false,
    });
  }

  /** The schema exists once the GraphQL module has initialised. */
  onApplicationBootstrap(): void {
    const { schema } = this.schemaHost;
    const format = (error: GraphQLError) => formatGraphqlError(error.toJSON(), error, this.logger);
    this.server = useServer<ConnectionParams, { principal: Principal }>(
      {
        schema,
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const headers = credentialsOf(ctx.extra.request);
          try {
            ctx.extra.principal = await this.auth.authenticate({
              authorization:
                text(params.authorization) ?? text(params.Authorization) ?? headers.authorization,
              apiKey: text(params.apiKey) ?? headers.apiKey,
              remoteAddress: headers.remoteAddress,
            });
          } catch (error) {
            ctx.extra.socket.close(CloseCode.Unauthorized, (error as Error).message.slice(0, 120));
            return false;
          }
          const id = ctx.extra.principal.id;
          const open = this.connectionsPerPrincipal.get(id) ?? 0;
          if (open >= this.config.maxSessionsPerPrincipal) {
            // 4429 mirrors HTTP 429: the principal already holds its share of sockets.
            ctx.extra.socket.close(
              4429,
              `at most ${this.config.maxSessionsPerPrincipal} connections per principal`,
            );
            return false;
          }
          this.connectionsPerPrincipal.set(id, open + 1);
          this.pending.get(ctx.extra.socket)?.();
          const untrack = this.connectionRegistry.track(ctx.extra.principal, (reason) =>
            ctx.extra.socket.close(CloseCode.Unauthorized, reason),
          );
          ctx.extra.socket.once('close', () => {
            untrack();
            const left = (this.connectionsPerPrincipal.get(id) ?? 1) - 1;
            if (left > 0) this.connectionsPerPrincipal.set(id, left);
            else this.connectionsPerPrincipal.delete(id);
          });
          return true;
        },
        onSubscribe: async (ctx, _id, payload) => {
          let document: DocumentNode;
          try {
            document = parseQuery(payload.query);
          } catch (error) {
            return [error as GraphQLError];
          }
          // Measured without expanding fragments before graphql's validation walks the document.
          const overLimits = documentLimitErrors(document);
          if (overLimits.length) return overLimits;
          const errors = validate(schema, document, specifiedRules);
          if (errors.length) return errors;
          const tooCostly = costLimitError(
            schema,
            document,
            payload.variables ?? undefined,
            payload.operationName,
          );
          if (tooCostly) return [tooCostly];
          const operation = getOperationAST(document, payload.operationName);
          const args: ExecutionArgs = {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            rootValue: undefined,
            contextValue: this.contexts.create({
              principal: async () => ctx.extra.principal!,
              cacheDocuments: operation?.operation !== 'subscription',
            }),
          };
          if (operation?.operation !== 'subscription') return args;
          const result = await subscribe(args);
          if (isAsyncIterable(result)) {
            this.started.set(args, result);
            return args;
          }
          return result.errors?.length ? result.errors : [new GraphQLError('the subscription did not start')];
        },
        subscribe: (args) => this.started.get(args) ?? subscribe(args),
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors?.length ? { ...result, errors: result.errors.map(format) } : undefined,
        onError: (_ctx, _id, _payload, errors) => errors.map(format),
      },
      this.wss,
      KEEPALIVE_MS,
    );
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.pending.size >= MAX_PENDING_SOCKETS) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nretry-after: 3\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n' +
          'too many GraphQL WebSockets waiting for connection_init\n',
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (error) => this.logger.debug({ err: error.message }, 'GraphQL WebSocket error'));
      this.pending.set(
        ws,
        boundBeforeAuthentication(ws, socket, ANONYMOUS_BODY_BYTES, () => this.pending.delete(ws)),
      );
      this.wss.emit('connection', ws, request);
    });
  }

  /**
   * Closes every connection (1001 Going away; their subscriptions end and are unregistered) and
   * the server. A client that does not answer the close within 2 s is cut off, so shutdown stays
   * within main.ts's grace period.
   */
  async close(): Promise<void> {
    const stubborn = setTimeout(() => {
      for (const socket of this.wss.clients) socket.terminate();
    }, 2_000);
    try {
      await this.server?.dispose();
    } finally {
      clearTimeout(stubborn);
    }
  }
}
