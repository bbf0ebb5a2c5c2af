import 'reflect-metadata';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ConnectedConfig, QuarryConfig } from '@quarry/config';
import { createLogger, QuarryMetrics } from '@quarry/observability';
import { LiveQueryService } from '@quarry/live';
import { INGESTION, type Ingestion } from '@quarry/ingest';
import type { QuarryOverrides } from '@quarry/app';
import { AppModule } from './app.module';
import { mountBrowserPages } from './console/console.routes';
import { GRAPHQL_PATH, GraphqlWebSocketGateway } from './graphql/graphql-ws.gateway';
import { McpHttpEndpoint } from './mcp/streamable-http';
import { buildOpenApi } from './openapi';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import { MCP_WS_PATH, McpWebSocketGateway } from './mcp/websocket.gateway';
import { OriginPolicy } from './security/origin.policy';
import { originPolicyMiddleware, refuseUpgrade } from './security/origin.middleware';
import { mountConsoleSignIn, mountProtectedResourceMetadata } from './security/oauth-metadata';
import { Authenticator } from '@quarry/auth';
import { jsonBodyParser } from './security/body-limit';

export interface RunningServer {
  url: string;
  port: number;
  config: ConnectedConfig;
  /** The Nest application: `app.get(Provider)` reaches any of its providers. */
  app: NestExpressApplication;
  close(): Promise<void>;
}

/** A configuration whose Elasticsearch URL is set: the server connects, it starts no services. */
export function connected(config: QuarryConfig): ConnectedConfig {
  if (!config.elasticsearchUrl)
    throw new Error(
      'the server connects to the Elasticsearch it is given: set ELASTICSEARCH_URL, or start it with `npm start`, which starts the embedded services first',
    );
  return { ...config, elasticsearchUrl: config.elasticsearchUrl };
}

/**
 * Starts one Quarry instance on the services its configuration names: modules (indices
 * checked first), then the HTTP server. `npm start` (main.ts) and the test setup start the
 * services themselves before calling it.
 */
export async function startServer(
  config: QuarryConfig,
  overrides: QuarryOverrides = {},
): Promise<RunningServer> {
  const settings = connected(config);
  const logger = createLogger(config.logLevel, 'quarry', config.logFormat);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(settings, logger, overrides),
    {
      logger: ['error', 'warn'],
      bodyParser: false,
      abortOnError: false,
    },
  );
  try {
    app.disable('x-powered-by');
    // Express hashes every response body for an ETag (SHA-1, about 0.05 ms of a search's main
    // thread). Quarry's answers are POST results or documents read by id, never revalidated.
    app.disable('etag');
    // Bulk ingest carries up to 1,000 documents; the limit keeps one request from exhausting memory,
    // and a caller without credentials, where they are required, gets a small one.
    app.use(jsonBodyParser(app.get(Authenticator)));
    app.use(...requestLog(logger));
    // First of all: a request a hostile page could have sent is refused before anything runs.
    const originPolicy = OriginPolicy.forBind(config.host, config);
    app.use(originPolicyMiddleware(originPolicy));
    const mcpHttp = app.get(McpHttpEndpoint);
    const mcpWs = app.get(McpWebSocketGateway);
    const graphqlSubscriptions = app.get(GraphqlWebSocketGateway);
    const metrics = app.get(QuarryMetrics);
    const live = app.get(LiveQueryService);
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
        exposedHeaders: ['Mcp-Session-Id', 'X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
        maxAge: 600,
      });
    }
    // The console, GraphiQL (browser GETs of /graphql) and Swagger UI, before the GraphQL module.
    const { oauth } = app.get(Authenticator);
    mountBrowserPages(express, {
      schema: () => app.get(GraphQLSchemaHost).schema,
      connectSources: oauth?.config.consoleClientId ? [new URL(oauth.config.issuer).origin] : [],
    });
    if (oauth) mountProtectedResourceMetadata(express, oauth);
    mountConsoleSignIn(express, oauth);
    mcpHttp.mount(express);
    // Prometheus scrapes without credentials; the series carry operation names and counts, no content.
    express.get('/metrics', (_req, res) => {
      metrics.websocketSessions.set({ kind: 'mcp' }, mcpWs.connections);
      metrics.websocketSessions.set({ kind: 'graphql' }, graphqlSubscriptions.connections);
      metrics.liveSubscriptions.set(live.stats().subscriptions);
      metrics.registry.metrics().then(
        (body) => res.type(metrics.registry.contentType).send(body),
        () => res.status(500).end(),
      );
    });
    const openApi = buildOpenApi(app);
    express.get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });
    await app.init();
    const httpServer = app.getHttpServer() as HttpServer;
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
    app.get<Ingestion>(INGESTION).scheduler?.start();
    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      config: settings,
      app,
      close: () =>
        (closing ??= (async () => {
          // Sockets first, so no new work arrives; then every module stops in Nest's shutdown order.
          await graphqlSubscriptions.close();
          await mcpWs.close();
          await mcpHttp.close();
          await app.close();
        })()),
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}
