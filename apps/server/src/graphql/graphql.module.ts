import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';
import { httpContext } from './graphql.context';
import { formatGraphqlError } from './graphql.errors';
import { GRAPHQL_PATH } from './graphql-ws.gateway';
import { MAX_TOKENS, queryLimitsRule } from './graphql.limits';
import { costLimitPlugin } from './graphql.cost';
import { AdminResolver } from './admin.resolver';
import { DocumentChunksResolver } from './document-chunks.resolver';
import { IngestionResolver } from './ingestion.resolver';
import { DocumentChangeResolver, LiveResolver } from './live.resolver';
import { RegistryResolver } from './registry.resolver';
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
];

/**
 * The GraphQL edge: Apollo Server over HTTP at /graphql, code-first schema from the resolvers.
 * Subscriptions run over graphql-ws on the same path (GraphqlWebSocketGateway, wired in
 * server.ts next to MCP's socket), not through Apollo.
 */
@Module({})
export class GraphqlApiModule {
  static forRuntime(runtime: QuarryRuntime): DynamicModule {
    return {
      module: GraphqlApiModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: GRAPHQL_PATH,
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          includeStacktraceInErrorResponses: false,
          validationRules: [queryLimitsRule],
          parseOptions: { maxTokens: MAX_TOKENS },
          // No HTTP cache hints are set; without the plugin Apollo does not wrap every field resolver.
          plugins: [ApolloServerPluginCacheControlDisabled(), costLimitPlugin()],
          context: ({ req, res }: { req: IncomingMessage; res: ServerResponse }) =>
            httpContext(runtime, req, res),
          formatError: (formatted, error) => formatGraphqlError(formatted, error, runtime.logger),
        }),
      ],
      providers: [{ provide: RUNTIME, useValue: runtime }, ...GRAPHQL_RESOLVERS],
    };
  }
}
