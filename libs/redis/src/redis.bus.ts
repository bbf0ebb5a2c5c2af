import Redis from 'ioredis';
import { UnavailableError } from '@quarry/core';

/**
 * A Redis connection that fails fast while Redis is down (no offline queue, so a request gets
 * "unavailable" at once instead of hanging) and keeps reconnecting in the background, so
 * Quarry recovers without a restart.
 */
export function createRedisConnection(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `quarry-${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
}

export type MessageHandler = (message: unknown, channel: string) => void;

/**
 * Pub/sub between Quarry instances. One connection publishes, one subscribes (Redis forbids
 * other commands on a subscribed connection). Subscriptions survive reconnects: ioredis
 * re-subscribes when the connection comes back.
 */
export class RedisBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<MessageHandler>>();

  constructor(url: string) {
    this.publisher = createRedisConnection(url, 'pub');
    this.subscriber = new Redis(url, {
      connectionName: 'quarry-sub',
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      autoResubscribe: true,
    });
    // Errors are reported through health checks and failing commands; without a listener
    // ioredis would print every reconnect attempt as an unhandled error.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, raw: string) => {
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        return;
      }
      for (const handler of this.handlers.get(channel) ?? []) handler(message, channel);
    });
  }

  async publish(channel: string, message: unknown): Promise<number> {
    try {
      return await this.publisher.publish(channel, JSON.stringify(message));
    } catch (error) {
      throw new UnavailableError('redis', (error as Error).message);
    }
  }

  /** Resolves once Redis confirmed the subscription; the returned function unsubscribes. */
  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      try {
        await this.subscriber.subscribe(channel);
      } catch (error) {
        this.handlers.delete(channel);
        throw new UnavailableError('redis', (error as Error).message);
      }
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.handlers.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
