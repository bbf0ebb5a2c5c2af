import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { ServerResponse } from 'node:http';
import { LiveModule } from '@quarry/live';
import { LOGGER, type Logger } from '@quarry/observability';
import { AuthModule } from '@quarry/auth';
import { GraphqlContexts } from './graphql.context';
import { formatGraphqlError } from './graphql.errors';
import { GRAPHQL_PATH, GraphqlWebSocketGateway } from './graphql-ws.gateway';
import { GraphqlAdmission, type AdmittedRequest } from './graphql.admission';
import { MAX_TOKENS } from './graphql.limits';
import { costLimitPlugin } from './graphql.cost';
import { AdminResolver } from './admin.resolver';
import { DocumentChunksResolver } from './document-chunks.resolver';
import { IngestionResolver } from './ingestion.resolver';
import { DocumentChangeResolver, LiveResolver } from './live.resolver';
import { RegistryResolver } from './registry.resolver';
import { ReindexResolver } from './reindex.resolver';
import { UploadResolver } from './upload.resolver';
import { IngestResultItemResolver, SearchHitResolver, SearchResolver } from './search.resolver';

/** Every resolver class: the app serves them and `npm run graphql:schema` prints their schema. */
export const GRAPHQL_RESOLVERS = [
  SearchResolver,
  SearchHitResolver,
  IngestResultItemResolver,
  RegistryResolver,
  LiveResolver,
  DocumentChangeResolver,
  AdminResolver,
  IngestionResolver,
  DocumentChunksResolver,
  UploadResolver,
  ReindexResolver,
];

/** Builds each operation's context: the caller's principal and the message manager. */
@Module({ imports: [AuthModule], providers: [GraphqlContexts], exports: [GraphqlContexts] })
class GraphqlContextModule {}

/**
 * The GraphQL edge: Apollo Server over HTTP at /graphql, code-first schema from the resolvers.
 * Subscriptions run over graphql-ws on the same path (GraphqlWebSocketGateway, wired in
 * server.ts next to MCP's socket), not through Apollo. Every HTTP request passes GraphqlAdmission
 * first: credentials, then the document's size measured without expanding fragments, both before
 * Apollo parses or validates anything.
 */
@Module({
  imports: [
    GraphqlContextModule,
    AuthModule,
    LiveModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [GraphqlContextModule],
      inject: [GraphqlContexts, LOGGER],
      useFactory: (contexts: GraphqlContexts, logger: Logger) => ({
        path: GRAPHQL_PATH,
        autoSchemaFile: true,
        sortSchema: true,
        playground: false,
        introspection: true,
        includeStacktraceInErrorResponses: false,
        parseOptions: { maxTokens: MAX_TOKENS },
        // No HTTP cache hints are set; without the plugin Apollo does not wrap every field resolver.
        plugins: [ApolloServerPluginCacheControlDisabled(), costLimitPlugin()],
        context: ({ req, res }: { req: AdmittedRequest; res: ServerResponse }) => contexts.http(req, res),
        formatError: (formatted, error) => formatGraphqlError(formatted, error, logger),
      }),
    }),
  ],
  providers: [...GRAPHQL_RESOLVERS, GraphqlWebSocketGateway],
  exports: [GraphqlWebSocketGateway],
})
export class GraphqlApiModule implements NestModule {
  /** Nest's middleware is mounted before Apollo's (which starts in onModuleInit), so it runs first. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(GraphqlAdmission).forRoutes({ path: GRAPHQL_PATH, method: RequestMethod.ALL });
  }
}
