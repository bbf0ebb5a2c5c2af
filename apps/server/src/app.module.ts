import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ConnectedConfig } from '@quarry/config';
import { LOGGER, type Logger } from '@quarry/observability';
import { QuarryModule, type QuarryOverrides } from '@quarry/app';
import { GraphqlApiModule } from './graphql/graphql.module';
import { McpHttpEndpoint } from './mcp/streamable-http';
import { McpWebSocketGateway } from './mcp/websocket.gateway';
import { DocumentsController } from './rest/documents.controller';
import { RestEdge } from './rest/envelope';
import { QuarryExceptionFilter } from './rest/exception.filter';
import { HealthController } from './rest/health.controller';
import { IngestionController } from './rest/ingestion.controller';
import { RegistryController } from './rest/registry.controller';
import { ReindexController } from './rest/reindex.controller';
import { SearchController } from './rest/search.controller';

/** The server: Quarry's modules behind its edges (REST, GraphQL, MCP over HTTP and WebSocket). */
@Module({})
export class AppModule {
  static forRoot(config: ConnectedConfig, logger: Logger, overrides: QuarryOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [QuarryModule.forRoot(config, logger, true, overrides), GraphqlApiModule],
      controllers: [
        HealthController,
        DocumentsController,
        SearchController,
        RegistryController,
        IngestionController,
        ReindexController,
      ],
      providers: [
        RestEdge,
        McpHttpEndpoint,
        McpWebSocketGateway,
        {
          provide: APP_FILTER,
          inject: [LOGGER],
          useFactory: (log: Logger) => new QuarryExceptionFilter(log),
        },
      ],
    };
  }
}
