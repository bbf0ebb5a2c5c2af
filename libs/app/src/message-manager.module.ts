import { Global, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Client } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import { RateLimiter, scopeChallengePlugin } from '@quarry/auth';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { MessageManager, OperationExplorer, Operations, type OperationSource } from '@quarry/core';
import {
  AuditWriter,
  HealthChecker,
  LOGGER,
  QuarryMetrics,
  type Logger,
  healthOperation,
  requestLogPlugin,
  auditPlugin,
  metricsPlugin,
} from '@quarry/observability';
import { INDICES, type IndexNames } from '@quarry/search';
import { writesNeedRedis } from '@quarry/redis';

/** Flushes the audit trail before the Elasticsearch client closes. */
@Injectable()
class AuditFlush implements OnModuleDestroy {
  constructor(private readonly audit: AuditWriter) {}

  async onModuleDestroy(): Promise<void> {
    await this.audit.close();
  }
}

@Operations()
export class HealthOperations implements OperationSource {
  constructor(private readonly health: HealthChecker) {}

  operations() {
    return [healthOperation(this.health)];
  }
}

/**
 * The one message manager every edge goes through. Its operations come from `@Operations()`
 * providers of every module; its plugins are listed here, in the order they run (like Apollo
 * Server's `plugins`): refuse writes without Redis, meter, log, count, audit.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: AuditWriter,
      inject: [Client, INDICES],
      useFactory: (client: Client, indices: IndexNames) => new AuditWriter(client, indices.audit),
    },
    AuditFlush,
    {
      provide: MessageManager,
      inject: [Redis, CONFIG, QuarryMetrics, LOGGER, AuditWriter],
      useFactory: (
        redis: Redis,
        config: QuarryConfig,
        metrics: QuarryMetrics,
        logger: Logger,
        audit: AuditWriter,
      ) =>
        new MessageManager()
          .use(writesNeedRedis(redis))
          .use(
            new RateLimiter(
              redis,
              config.rateLimits,
              {
                limited: (budget) => metrics.rateLimited.inc({ budget }),
                failOpen: (budget, error) => {
                  metrics.rateLimiterFailOpen.inc();
                  logger.warn(
                    { budget, err: error.message },
                    'rate limiter cannot reach Redis: reads pass unmetered',
                  );
                },
              },
              undefined,
              config.indexPrefix,
            ),
          )
          .use(requestLogPlugin(logger))
          .use(metricsPlugin(metrics))
          .use(auditPlugin(logger, (entry) => audit.record(entry)))
          .use(scopeChallengePlugin(config.oauth)),
    },
    OperationExplorer,
    {
      provide: HealthChecker,
      inject: [Client, Redis],
      useFactory: (client: Client, redis: Redis) => new HealthChecker(client, redis),
    },
    HealthOperations,
  ],
  exports: [MessageManager, HealthChecker],
})
export class MessageManagerModule {}
