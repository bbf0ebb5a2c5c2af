import 'reflect-metadata';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { QuarryConfig } from '@quarry/config';
import { createLogger } from '@quarry/observability';
import { AppModule } from './app.module';
import { mountBrowserPages } from './console/console.routes';
import { GRAPHQL_PATH, GraphqlWebSocketGateway } from './graphql/graphql-ws.gateway';
import { McpHttpEndpoint } from './mcp/streamable-http';
import { buildOpenApi } from './openapi';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import { MCP_WS_PATH, McpWebSocketGateway } from './mcp/websocket.gateway';
import { bootRuntime, type QuarryRuntime } from '@quarry/runtime';
import { OriginPolicy } from './security/origin.policy';
import { originPolicyMiddleware, refuseUpgrade } from './security/origin.middleware';

export const BODY_LIMIT = '20mb';

export interface RunningServer {
  url: string;
  port: number;
  runtime: QuarryRuntime;
  app: NestExpressApplication;
  close(): Promise<void>;
}

/**
 * Starts one Quarry instance: services (embedded or configured), indices, then the HTTP
 * server. Used by `npm start`, the CLI and the integration tests alike.
 */
export async function startServer(config: QuarryConfig): Promise<RunningServer> {
  const logger = createLogger(config.logLevel, 'quarry', config.logFormat);
  const runtime = await bootRuntime(config, logger);
  try {
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime), {
      logger: ['error', 'warn'],
      bodyParser: false,
    });
    app.disable('x-powered-by');
    // Bulk ingest carries up to 1,000 documents; the limit keeps one request from exhausting memory.
    app.useBodyParser('json', { limit: BODY_LIMIT });
    app.use(...requestLog(logger));
    // First of all: a request a hostile page could have sent is refused before anything runs.
    const originPolicy = OriginPolicy.forBind(config.host, config);
    app.use(originPolicyMiddleware(originPolicy));
    const mcpHttp = new McpHttpEndpoint(runtime);
    // Abandoned HTTP sessions never keep a principal from opening a WebSocket session.
    const mcpWs = new McpWebSocketGateway(runtime, (principalId) => mcpHttp.evictOldestOf(principalId));
    // Needs the schema, so it is created after app.init(); /metrics is mounted before that.
    const graphql: { subscriptions?: GraphqlWebSocketGateway } = {};
    const express = app.getHttpAdapter().getInstance() as Express;
    express.use(securityHeaders(config));
    if (config.corsOrigins.length) {
      app.enableCors({
        origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
        allowedHeaders: [
          'Authorization',
          'X-API-Key',
          'Content-Type',
          'Mcp-Session-Id',
          'Mcp-Protocol-Version',
          'Last-Event-ID',
          'X-Request-Id',
        ],
        exposedHeaders: ['Mcp-Session-Id', 'X-Request-Id', 'Retry-After'],
        maxAge: 600,
      });
    }
    // The console, GraphiQL (browser GETs of /graphql) and Swagger UI, before the GraphQL module.
    mountBrowserPages(express, { schema: () => app.get(GraphQLSchemaHost).schema });
    mcpHttp.mount(express);
    // Prometheus scrapes without credentials; the series carry operation names and counts, no content.
    express.get('/metrics', (_req, res) => {
      runtime.metrics.websocketSessions.set({ kind: 'mcp' }, mcpWs.connections);
      runtime.metrics.websocketSessions.set({ kind: 'graphql' }, graphql.subscriptions?.connections ?? 0);
      runtime.metrics.liveSubscriptions.set(runtime.live.stats().subscriptions);
      runtime.metrics.registry.metrics().then(
        (body) => res.type(runtime.metrics.registry.contentType).send(body),
        () => res.status(500).end(),
      );
    });
    const openApi = buildOpenApi(app);
    express.get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });
    await app.init();
    const httpServer = app.getHttpServer() as HttpServer;
    const graphqlSubscriptions = new GraphqlWebSocketGateway(runtime, app.get(GraphQLSchemaHost).schema);
    graphql.subscriptions = graphqlSubscriptions;
    // One port for everything: WebSocket upgrades are routed by path (MCP here, GraphQL beside it).
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const verdict = originPolicy.check(request.headers);
      if (!verdict.allowed) return refuseUpgrade(socket, verdict.reason);
      const path = (request.url ?? '').split('?')[0];
      if (path === MCP_WS_PATH) void mcpWs.handleUpgrade(request, socket, head);
      else if (path === GRAPHQL_PATH) graphqlSubscriptions.handleUpgrade(request, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    });
    await app.listen(config.port, config.host);
    // Scheduled syncs and syncs interrupted by a restart: servers run them, CLI processes do not.
    runtime.ingestion.scheduler?.start();
    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      runtime,
      app,
      close: () =>
        (closing ??= (async () => {
          await graphqlSubscriptions.close();
          await mcpWs.close();
          await mcpHttp.close();
          await app.close();
          await runtime.close();
        })()),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
