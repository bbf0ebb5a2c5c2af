import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import {
  NodeStreamableHTTPServerTransport,
  toNodeHandler,
  toWebRequest,
  type NodeMcpRequestHandler,
} from '@modelcontextprotocol/node';
import { Inject, Injectable } from '@nestjs/common';
import { Authenticator, challengeOf } from '@quarry/auth';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { LOGGER, type Logger } from '@quarry/observability';
import { MCP } from '@quarry/mcp';
import { ConnectionRegistry, QuarryError, type Principal } from '@quarry/core';
import { authInfoFor, createMcpServer, principalOf, refusedListen, type McpDependencies } from '@quarry/mcp';
import { credentialsOf } from '../rest/envelope';

export const MCP_HTTP_PATH = '/mcp';

interface HttpSession {
  transport: NodeStreamableHTTPServerTransport;
  principal: Principal;
  lastSeen: number;
  /** Open GET (SSE) streams: a session that is listening is not idle. */
  listening: number;
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * MCP Streamable HTTP at /mcp, both eras on one path. A request that carries the 2026-07-28
 * per-request envelope is served statelessly by the v2 SDK's handler (no Mcp-Session-Id, any
 * instance; `subscriptions/listen` streams are fed by the hub from Redis). Anything else is the
 * 2025 session flow: POST for requests, GET for the server's SSE stream, DELETE to end a session,
 * sessions identified by Mcp-Session-Id and bound to the principal that created them. Both are
 * authenticated here first; Host and Origin are checked for every route by the OriginPolicy.
 * Clients often vanish without DELETE: idle sessions expire, and a principal at its session
 * limit gives up its least recently used session rather than being refused.
 */
@Injectable()
export class McpHttpEndpoint {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly modern: McpHttpHandler;
  private readonly serveModern: NodeMcpRequestHandler;
  /** Open 2026 `subscriptions/listen` streams per principal on this instance. */
  private readonly listening = new Map<string, number>();

  constructor(
    private readonly auth: Authenticator,
    @Inject(CONFIG) private readonly config: QuarryConfig,
    private readonly connectionRegistry: ConnectionRegistry,
    @Inject(MCP) private readonly mcp: McpDependencies,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const idleMs = config.mcpSessionIdleSeconds * 1000;
    this.sweeper = setInterval(() => this.expireIdle(idleMs), Math.min(idleMs, 60_000));
    this.sweeper.unref();
    const onerror = (error: Error) => this.logger.debug({ err: error.message }, 'MCP 2026 request refused');
    this.modern = createMcpHandler(
      (ctx) =>
        createMcpServer(mcp, principalOf(ctx.authInfo), 'mcp-http', { era: 'modern', connection: false }),
      { legacy: 'reject', bus: mcp.hub, onerror },
    );
    this.serveModern = toNodeHandler(this.modern, { onerror });
  }

  get size(): number {
    return this.sessions.size;
  }

  mount(app: Express): void {
    app.post(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
    app.get(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
    app.delete(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
    // The JSON body parser runs before the route: its refusals are JSON-RPC errors here too.
    app.use(MCP_HTTP_PATH, (error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      if (error.status === 413) return jsonRpcError(res, 413, -32600, 'Invalid Request: body too large');
      jsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    });
  }

  private expireIdle(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    void this.closeWhere((session) => session.listening === 0 && session.lastSeen < cutoff);
  }

  private async closeWhere(match: (session: HttpSession) => boolean): Promise<void> {
    const ending = [...this.sessions.entries()].filter(([, session]) => match(session));
    for (const [id] of ending) this.sessions.delete(id);
    await Promise.all(ending.map(([, s]) => s.transport.close().catch(() => undefined)));
  }

  /**
   * Whether the principal may open one more MCP session (HTTP or WebSocket): at its limit, its
   * least recently used HTTP session is ended to make room; false when it has none to give up.
   */
  async hasRoomFor(principalId: string): Promise<boolean> {
    return (
      this.mcp.hub.countFor(principalId) < this.config.maxSessionsPerPrincipal ||
      this.evictOldestOf(principalId)
    );
  }

  /** Makes room for one more session of the principal by ending its least recently used HTTP session. */
  private async evictOldestOf(principalId: string): Promise<boolean> {
    let oldest: [string, HttpSession] | undefined;
    for (const entry of this.sessions) {
      if (entry[1].principal.id !== principalId) continue;
      if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    }
    if (!oldest) return false;
    this.sessions.delete(oldest[0]);
    await oldest[1].transport.close().catch(() => undefined);
    return true;
  }

  private async handle(req: Request, res: Response): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.auth.authenticate(credentialsOf(req));
    } catch (error) {
      const mapped = error instanceof QuarryError ? error : undefined;
      const challenge = challengeOf(error);
      if (challenge) res.setHeader('WWW-Authenticate', challenge);
      jsonRpcError(
        res,
        mapped?.mapping.http ?? 401,
        mapped?.mapping.jsonRpc ?? -32001,
        (error as Error).message,
      );
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    try {
      if (!(await isLegacyRequest(await toWebRequest(req, req.body), req.body))) {
        return await this.handleModern(req, res, principal);
      }
      if (typeof sessionId === 'string') {
        const session = this.sessions.get(sessionId);
        if (!session)
          return jsonRpcError(
            res,
            404,
            -32001,
            `unknown or expired MCP session ${sessionId}; initialize a new one`,
          );
        if (session.principal.id !== principal.id)
          return jsonRpcError(res, 403, -32003, 'this MCP session belongs to another principal');
        if (Array.isArray(req.body)) return batchRefused(res);
        session.lastSeen = Date.now();
        if (req.method === 'GET') {
          session.listening++;
          res.once('close', () => {
            session.listening--;
            session.lastSeen = Date.now();
          });
        }
        await session.transport.handleRequest(req, res, req.body);
        return;
      }
      if (Array.isArray(req.body)) return batchRefused(res);
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        return jsonRpcError(
          res,
          400,
          -32000,
          'Bad Request: send an initialize request without Mcp-Session-Id to start a session',
        );
      }
      if (!(await this.hasRoomFor(principal.id))) {
        return jsonRpcError(
          res,
          429,
          -32029,
          `at most ${this.config.maxSessionsPerPrincipal} MCP sessions per principal`,
        );
      }
      let untrack = () => undefined as void;
      const transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          this.sessions.set(id, { transport, principal, lastSeen: Date.now(), listening: 0 });
          // Revocation or token expiry ends the session; its id then answers 404.
          untrack = this.connectionRegistry.track(principal, () => {
            this.sessions.delete(id);
            void transport.close().catch(() => undefined);
          });
        },
        onsessionclosed: (id) => {
          this.sessions.delete(id);
        },
      });
      const server = createMcpServer(this.mcp, principal, 'mcp-http', { era: 'legacy', connection: true });
      transport.onclose = () => {
        untrack();
        if (transport.sessionId) this.sessions.delete(transport.sessionId);
        void server.close().catch(() => undefined);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      // A refused initialize (406, 415, ...) leaves no session behind to hold a slot.
      if (!transport.sessionId) await server.close().catch(() => undefined);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'MCP HTTP request failed');
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'internal error');
    }
  }

  /**
   * A 2026-07-28 request, served by the SDK's stateless handler. A `subscriptions/listen` stream
   * is the one long-lived exchange: its resource URIs are checked as `resources/subscribe` checks
   * them (a listener learns nothing about documents it may not read), a principal holds at most
   * as many streams as it may hold sessions, and revoking its credentials ends them.
   */
  private async handleModern(req: Request, res: Response, principal: Principal): Promise<void> {
    const message = req.body as ListenMessage | undefined;
    if (message?.method === 'subscriptions/listen') {
      const open = this.listening.get(principal.id) ?? 0;
      if (open >= this.config.maxSessionsPerPrincipal) {
        return jsonRpcError(
          res,
          429,
          -32029,
          `at most ${this.config.maxSessionsPerPrincipal} MCP subscriptions/listen streams per principal`,
        );
      }
      const refusal = await refusedListen(message, (uri) =>
        this.mcp.requests.authorizeSubscription(uri, {
          principal,
          transport: 'mcp-http',
          requestId: `listen:${randomUUID()}`,
          signal: AbortSignal.timeout(10_000),
        }),
      );
      if (refusal) {
        res.status(200).json({ jsonrpc: '2.0', id: message.id ?? null, error: refusal });
        return;
      }
      this.listening.set(principal.id, open + 1);
      const untrack = this.connectionRegistry.track(principal, () => res.destroy());
      res.once('close', () => {
        untrack();
        const left = (this.listening.get(principal.id) ?? 1) - 1;
        if (left > 0) this.listening.set(principal.id, left);
        else this.listening.delete(principal.id);
      });
    }
    (req as Request & { auth?: unknown }).auth = authInfoFor(principal);
    await this.serveModern(req, res, req.body);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.modern.close().catch(() => undefined);
    await Promise.all([...this.sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
    this.sessions.clear();
  }
}

interface ListenMessage {
  method?: unknown;
  id?: string | number;
}

/** JSON-RPC batches were removed from MCP in 2025-06-18. */
function batchRefused(res: Response): void {
  jsonRpcError(
    res,
    400,
    -32600,
    'Invalid Request: JSON-RPC batches are not supported; send one message per request',
  );
}
