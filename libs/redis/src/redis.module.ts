import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { CONFIG, type ConnectedConfig } from '@quarry/config';
import { LOGGER, QuarryMetrics, type Logger } from '@quarry/observability';
import { QueryCache } from './query.cache';
import { createRedisConnection, RedisBus } from './redis.bus';

/** Closes the connections last, once every module has stopped using them. */
@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly bus: RedisBus,
  ) {}

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
