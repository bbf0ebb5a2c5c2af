import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ConnectedConfig, QuarryConfig } from '@quarry/config';
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
 * A Nest application context built from `module` on the configured services (the embedded ones
 * are started if needed), initialised; closed again when initialising fails.
 */
export async function openContext(
  config: QuarryConfig,
  logger: Logger,
  module: (config: ConnectedConfig) => DynamicModule,
): Promise<INestApplicationContext> {
  const endpoints = await ensureServices(config, (message) => logger.info(message));
  const app = await NestFactory.createApplicationContext(module({ ...config, ...endpoints }), {
    logger: false,
    abortOnError: false,
  });
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

/** Runs `action` in the context `openContext` builds, and closes it afterwards. */
export async function withContext<T>(
  config: QuarryConfig,
  logger: Logger,
  module: (config: ConnectedConfig) => DynamicModule,
  action: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const app = await openContext(config, logger, module);
  try {
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
  return (config: ConnectedConfig) => QuarryModule.forRoot(config, logger, false);
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
  static forRoot(config: ConnectedConfig, logger: Logger): DynamicModule {
    return {
      module: ReindexCommandModule,
      imports: foundationModules(config, logger, false),
      providers: [{ provide: INDEX_SETUP_OPTIONS, useValue: { allowModelMismatch: true } }, IndexSetup],
    };
  }
}
