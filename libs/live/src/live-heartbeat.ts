import type Redis from 'ioredis';
import type { Logger } from '@quarry/observability';
import type { LiveKeys } from './live-keys';
import type { LiveQueryRepository } from './live-query.repository';
import type { LiveRegistry } from './live-registry';
import type { LiveSubscriptions } from './live-subscriptions';

export interface LiveHeartbeatOptions {
  /** How often this instance renews its live queries (and sweeps expired ones). */
  heartbeatMs: number;
  /** How long a live query outlives its instance's last heartbeat. */
  ttlMs: number;
}

/**
 * Ownership of live queries: this instance keeps its own alive by renewing them, and the queries
 * of instances that stopped renewing theirs (killed, partitioned) expire everywhere; one instance
 * at a time deletes them from the live index.
 */
export class LiveHeartbeat {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly instance: string,
    private readonly subscriptions: Pick<LiveSubscriptions, 'queries'>,
    private readonly repository: Pick<LiveQueryRepository, 'extend' | 'put' | 'deleteExpired'>,
    private readonly registry: Pick<LiveRegistry, 'announce' | 'queries'>,
    private readonly redis: Redis,
    private readonly keys: Pick<LiveKeys, 'sweep'>,
    private readonly options: LiveHeartbeatOptions,
    private readonly logger: Logger,
  ) {}

  /** When a query of this instance registered or renewed now expires, unless renewed again. */
  expiresAt(): number {
    return Date.now() + this.options.ttlMs;
  }

  start(): void {
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void task(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.heartbeatMs, () => this.renew());
    every(this.options.heartbeatMs, () => this.sweep());
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** Renews this instance's live queries; one that vanished (swept during a long pause) is registered again. */
  async renew(): Promise<void> {
    const own = this.subscriptions.queries();
    if (own.size === 0) return;
    const expiresAt = this.expiresAt();
    try {
      const missing = new Set(await this.repository.extend([...own.keys()], expiresAt));
      for (const [id, query] of own) {
        query.expiresAt = expiresAt;
        if (missing.has(id)) await this.repository.put(query);
        if (missing.has(id) || !this.registry.queries.get(id))
          await this.registry.announce({ op: 'add', query });
      }
      await this.registry.announce({ op: 'extend', instance: this.instance, expiresAt });
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'live queries not renewed');
    }
  }

  /** Forgets queries of instances that stopped renewing them; one instance at a time deletes them from the index. */
  async sweep(): Promise<void> {
    const now = Date.now();
    this.registry.queries.removeExpired(now);
    const turn = await this.redis
      .set(this.keys.sweep, this.instance, 'PX', this.options.heartbeatMs, 'NX')
      .catch(() => null);
    if (turn !== 'OK') return;
    await this.repository
      .deleteExpired(now)
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'expired live queries not deleted'));
  }
}
