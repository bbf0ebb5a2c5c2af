import { randomUUID } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createMcpSession, QuarryError, type Principal } from '@quarry/core';
import type { QuarryRuntime } from '@quarry/runtime';
import { authenticate } from '../rest/envelope';

export const MCP_HTTP_PATH = '/mcp';

interface HttpSession {
  transport: StreamableHTTPServerTransport;
  principal: Principal;
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * MCP Streamable HTTP at /mcp: POST for requests, GET for the server's SSE stream, DELETE to
 * end a session. Sessions are identified by Mcp-Session-Id and bound to the principal that
 * created them. Host and Origin are checked against the bound address (DNS rebinding).
 */
export class McpHttpEndpoint {
  private readonly sessions = new Map<string, HttpSession>();

  constructor(
    private readonly runtime: QuarryRuntime,
    /** Host headers accepted (DNS-rebinding protection); undefined = no check (a keyed, non-loopback bind). */
    private readonly allowedHosts: () => string[] | undefined,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  mount(app: Express): void {
    app.post(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
    app.get(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
    app.delete(MCP_HTTP_PATH, (req, res) => void this.handle(req, res));
  }

  private async handle(req: Request, res: Response): Promise<void> {
    let principal: Principal;
    try {
      principal = await authenticate(this.runtime, req);
    } catch (error) {
      const mapped = error instanceof QuarryError ? error : undefined;
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
        await session.transport.handleRequest(req, res, req.body);
        return;
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        return jsonRpcError(
          res,
          400,
          -32000,
          'Bad Request: send an initialize request without Mcp-Session-Id to start a session',
        );
      }
      if (this.runtime.mcp.hub.countFor(principal.id) >= this.runtime.config.maxSessionsPerPrincipal) {
        return jsonRpcError(
          res,
          429,
          -32029,
          `at most ${this.runtime.config.maxSessionsPerPrincipal} MCP sessions per principal`,
        );
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        ...this.rebindingProtection(),
        onsessioninitialized: (id) => {
          this.sessions.set(id, { transport, principal });
        },
        onsessionclosed: (id) => {
          this.sessions.delete(id);
        },
      });
      const { server } = createMcpSession(this.runtime.mcp, principal, 'mcp-http');
      transport.onclose = () => {
        if (transport.sessionId) this.sessions.delete(transport.sessionId);
        void server.close().catch(() => undefined);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      this.runtime.logger.warn({ err: (error as Error).message }, 'MCP HTTP request failed');
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'internal error');
    }
  }

  private rebindingProtection() {
    const hosts = this.allowedHosts();
    if (!hosts) return { enableDnsRebindingProtection: false };
    return {
      enableDnsRebindingProtection: true,
      allowedHosts: hosts,
      allowedOrigins: hosts.flatMap((h) => [`http://${h}`, `https://${h}`]),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
    this.sessions.clear();
  }
}
