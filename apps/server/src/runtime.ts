import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import type { QuarryConfig } from '@quarry/config';
import { createRedisConnection, RedisBus } from '@quarry/live';
import { createLogger, HealthChecker, type Logger } from '@quarry/observability';
import { createElasticsearchClient, indexNames, type IndexNames } from '@quarry/search';
import type { ServiceEndpoints } from '@quarry/services';

/** The connections one Quarry process holds; created once at start, closed once at shutdown. */
export interface QuarryRuntime {
  config: QuarryConfig;
  endpoints: ServiceEndpoints;
  logger: Logger;
  elasticsearch: Client;
  redis: Redis;
  bus: RedisBus;
  indices: IndexNames;
  health: HealthChecker;
  close(): Promise<void>;
}

export const RUNTIME = Symbol('QuarryRuntime');

export function createRuntime(
  config: QuarryConfig,
  endpoints: ServiceEndpoints,
  logger = createLogger(config.logLevel),
): QuarryRuntime {
  const elasticsearch = createElasticsearchClient(endpoints.elasticsearchUrl, config.requestTimeoutMs);
  const redis = createRedisConnection(endpoints.redisUrl, 'commands');
  redis.on('error', (error) => logger.debug({ err: error.message }, 'redis connection error'));
  const bus = new RedisBus(endpoints.redisUrl);
  return {
    config,
    endpoints,
    logger,
    elasticsearch,
    redis,
    bus,
    indices: indexNames(config.indexPrefix),
    health: new HealthChecker(elasticsearch, redis),
    async close() {
      await bus.close();
      redis.disconnect();
      await elasticsearch.close();
    },
  };
}
