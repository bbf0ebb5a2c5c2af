import type Redis from 'ioredis';
import { UnavailableError, type MessageManagerPlugin } from '@quarry/core';

/**
 * Every write is announced through Redis: to live subscribers and MCP sessions of every
 * instance, and to the query caches. While Redis is down nothing could be told, so writes are
 * refused, for every principal (the local admin included), and reads go on.
 */
export function writesNeedRedis(redis: Redis): MessageManagerPlugin {
  return {
    beforeRun(_envelope, operation) {
      if (operation.role !== 'reader' && redis.status !== 'ready')
        throw new UnavailableError('redis', 'writes are refused until it is back');
    },
  };
}
