import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import Redis from 'ioredis';
import { CONFIG, type ConnectedConfig } from '@quarry/config';
import { LOGGER, QuarryMetrics, type Logger } from '@quarry/observability';
import { QueryCache } from './query.cache';
import { createRedisConnection, RedisBus } from './redis.bus';

/**
 * Closes the connections last, once every module has stopped using them; before any module
 * closes, the query cache's invalidations still waiting for their change to become searchable
 * are done (a CLI ingest that exits as its last batch is acknowledged closed Redis under them,
 * and its invalidation was deferred to markers that expire, with a warning that Redis was down).
 */
@Injectable()
export class RedisShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly bus: RedisBus,
    private readonly cache: QueryCache,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.cache.settled();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
    this.redis.disconnect();
  }
}

/**
 * Redis as every instance shares it: the command connection, pub/sub between instances, and the
 * query cache built on them. Redis itself is started elsewhere.
 */
@Global()
@Module({
  providers: [
    {
      provide: Redis,
      inject: [CONFIG, LOGGER],
      useFactory: (config: ConnectedConfig, logger: Logger) => {
        const redis = createRedisConnection(config.redisUrl, 'commands');
        redis.on('error', (error) => logger.debug({ err: error.message }, 'redis connection error'));
        return redis;
      },
    },
    {
      provide: RedisBus,
      inject: [CONFIG],
      useFactory: (config: ConnectedConfig) => new RedisBus(config.redisUrl),
    },
    {
      provide: QueryCache,
      inject: [Redis, CONFIG, QuarryMetrics, LOGGER],
      useFactory: (redis: Redis, config: ConnectedConfig, metrics: QuarryMetrics, logger: Logger) =>
        new QueryCache(redis, config.indexPrefix, config.queryCacheTtlSeconds, {
          hit: () => metrics.cacheHits.inc(),
          miss: () => metrics.cacheMisses.inc(),
          invalidationDeferred: (error) =>
            logger.warn(
              { err: error.message },
              'query cache not invalidated (Redis unavailable); the cache is bypassed until Redis is back',
            ),
        }),
    },
    RedisShutdown,
  ],
  exports: [Redis, RedisBus, QueryCache],
})
export class RedisModule {}
