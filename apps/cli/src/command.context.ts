import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { QuarryConfig } from '@quarry/config';
import { MessageManager, type Principal } from '@quarry/core';
import { INGESTION, type Ingestion } from '@quarry/ingest';
import type { Logger } from '@quarry/observability';
import { foundationModules, QuarryModule } from '@quarry/app';
import { INDEX_SETUP_OPTIONS, IndexSetup } from '@quarry/search';
import { ensureServices } from '@quarry/services';

/** Who the `quarry` command runs as: the operator on this machine, admin and not rate-limited. */
export const CLI_PRINCIPAL: Principal = { id: 'cli', role: 'admin', unmetered: true };

/** What a one-shot command reaches: the message manager (as every edge) and the job service. */
export interface CommandScope {
  manager: MessageManager;
  ingestion: Ingestion;
}

/**
 * Runs `action` in a Nest application context built from `module` on the configured services
 * (the embedded ones are started if needed), and closes it afterwards.
 */
export async function withContext<T>(
  config: QuarryConfig,
  logger: Logger,
  module: (config: QuarryConfig & { elasticsearchUrl: string }) => DynamicModule,
  action: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const endpoints = await ensureServices(config, (message) => logger.info(message));
  const app = await NestFactory.createApplicationContext(module({ ...config, ...endpoints }), {
    logger: false,
    abortOnError: false,
  });
  try {
    await app.init();
    return await action(app);
  } finally {
    await app.close();
  }
}

/**
 * Quarry's modules for a one-shot command: not serving, so no registry sync, live heartbeat,
 * subscriptions to other instances or scheduler.
 */
export function commandModule(logger: Logger) {
  return (config: QuarryConfig & { elasticsearchUrl: string }) => QuarryModule.forRoot(config, logger, false);
}

export function scopeOf(app: INestApplicationContext): CommandScope {
  return { manager: app.get(MessageManager), ingestion: app.get<Ingestion>(INGESTION) };
}

/**
 * `quarry reindex --embeddings` needs Elasticsearch and the model only: no Redis, no message
 * manager. The index may hold another model's vectors; that is why one re-embeds.
 */
@Module({})
export class ReindexCommandModule {
  static forRoot(config: QuarryConfig & { elasticsearchUrl: string }, logger: Logger): DynamicModule {
    return {
      module: ReindexCommandModule,
      imports: foundationModules(config, logger, false),
      providers: [{ provide: INDEX_SETUP_OPTIONS, useValue: { allowModelMismatch: true } }, IndexSetup],
    };
  }
}
