import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type ConnectedConfig } from '@quarry/config';
import { EmbeddingsModule, type Embedder } from '@quarry/embeddings';
import { IngestModule } from '@quarry/ingest';
import { LiveModule } from '@quarry/live';
import { ObservabilityModule, type Logger } from '@quarry/observability';
import { RedisModule } from '@quarry/redis';
import { ElasticsearchModule, SearchModule } from '@quarry/search';
import { AuthModule } from '@quarry/auth';
import { McpModule } from '@quarry/mcp';
import { MessageManagerModule } from './message-manager.module';
import { RegistryModule } from '@quarry/registry';

/** Parts a test may replace: only what is not its subject. */
export interface QuarryOverrides {
  embedder?: Embedder;
}

/** Configuration, logs and metrics, Elasticsearch and the model: what every Quarry process stands on. */
export function foundationModules(
  config: ConnectedConfig,
  logger: Logger,
  serving: boolean,
  embedder?: Embedder,
): (DynamicModule | typeof ElasticsearchModule)[] {
  return [
    ConfigModule.forRoot(config, serving),
    ObservabilityModule.forRoot(logger),
    ElasticsearchModule,
    EmbeddingsModule.forRoot(embedder),
  ];
}

/** Everything a Quarry process serves from, connected to the services the config names. */
@Module({})
export class QuarryModule {
  /**
   * `serving`: a server or stdio process, which follows other instances (registry changes, live
   * subscriptions); a one-shot command runs its operation and leaves.
   */
  static forRoot(
    config: ConnectedConfig,
    logger: Logger,
    serving: boolean,
    overrides: QuarryOverrides = {},
  ): DynamicModule {
    const domain = [SearchModule, LiveModule, IngestModule, AuthModule, RegistryModule, McpModule];
    return {
      module: QuarryModule,
      imports: [
        ...foundationModules(config, logger, serving, overrides.embedder),
        RedisModule,
        MessageManagerModule,
        ...domain,
      ],
      exports: domain,
    };
  }
}
