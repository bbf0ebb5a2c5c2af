import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Inject, Injectable } from '@nestjs/common';
import { Authenticator, challengeOf } from '@quarry/auth';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { LOGGER, type Logger } from '@quarry/observability';
import { MCP } from '@quarry/mcp';
import { ConnectionRegistry, QuarryError } from '@quarry/core';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createMcpServer, guardListen, type McpDependencies } from '@quarry/mcp';
import { credentialsOf } from '../rest/envelope';
import { McpHttpEndpoint } from './streamable-http';
import { WebSocketServerTransport } from './websocket.transport';

export const MCP_WS_PATH = '/mcp/ws';
/** Hard cap: frames beyond it are not even buffered (ws closes with 1009). Below it, see MAX_MESSAGE_BYTES. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const KEEPALIVE_MS = 30_000;

/**
 * Accepts MCP WebSocket connections, kept alive with pings. The v2 SDK's connection entry serves
 * each socket in the era its first message picks: a 2025 session after `initialize`, or
 * 2026-07-28 requests (each with its own `_meta`) and `subscriptions/listen` streams on one socket.
 */
@Injectable()
export class McpWebSocketGateway {
  private readonly wss: WebSocketServer;
  private readonly alive = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly auth: Authenticator,
    @Inject(CONFIG) private readonly config: QuarryConfig,
    private readonly connectionRegistry: ConnectionRegistry,
    @Inject(MCP) private readonly mcp: McpDependencies,
    @Inject(LOGGER) private readonly logger: Logger,
    /** Abandoned HTTP sessions never keep a principal from opening a WebSocket session. */
    private readonly http: McpHttpEndpoint,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false),
    });
    // A client that stops answering pings (network gone, process frozen) is dropped.
    this.timer = setInterval(() => {
      for (const socket of this.wss.clients) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }, KEEPALIVE_MS);
    this.timer.unref();
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let principal;
    try {
      principal = await this.auth.authenticate(credentialsOf(request));
      if (!(await this.http.hasRoomFor(principal.id))) {
        throw new QuarryError(
          'rate_limited',
          `at most ${this.config.maxSessionsPerPrincipal} MCP sessions per principal`,
        );
      }
    } catch (error) {
      const status = error instanceof QuarryError ? error.mapping.http : 401;
      const reason =
        error instanceof QuarryError && error.kind === 'rate_limited' ? 'Too Many Requests' : 'Unauthorized';
      const challenge = challengeOf(error);
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\nconnection: close\r\n` +
          (challenge ? `www-authenticate: ${challenge}\r\n` : '') +
          `\r\n${(error as Error).message}\n`,
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.alive.add(ws);
      ws.on('pong', () => this.alive.add(ws));
      const connection = serveStdio(
        ({ era }) => createMcpServer(this.mcp, principal, 'mcp-ws', { era, connection: true }),
        {
          transport: guardListen(new WebSocketServerTransport(ws), (uri) =>
            this.mcp.requests.authorizeSubscription(uri, {
              principal,
              transport: 'mcp-ws',
              requestId: `listen:${randomUUID()}`,
              signal: AbortSignal.timeout(10_000),
            }),
          ),
          // A socket holds no more listen streams than its principal may hold sessions.
          maxSubscriptions: this.config.maxSessionsPerPrincipal,
          onerror: (error) => this.logger.debug({ err: error.message }, 'MCP WebSocket message refused'),
        },
      );
      // 4401 as graphql-ws uses it: the credentials that opened this socket are no longer valid.
      const untrack = this.connectionRegistry.track(principal, (reason) => ws.close(4401, reason));
      ws.on('close', () => {
        untrack();
        void connection.close().catch(() => undefined);
      });
      // Frames over maxPayload close the socket with 1009; ws reports it as an error first.
      ws.on('error', (error) => this.logger.debug({ err: error.message }, 'MCP WebSocket error'));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const socket of this.wss.clients) socket.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
