import type { Logger } from '@quarry/observability';
import type { LiveQueryRepository } from './live-query.repository';
import { LiveQueue } from './live-queue';
import type { LiveRegistry } from './live-registry';
import type { LiveCounters, LiveEvent, LiveQuery, LiveStream } from './live-types';

interface LocalSubscription {
  query: LiveQuery;
  queue: LiveQueue<LiveEvent>;
  lastDropLog: number;
}

/** A slow subscriber's drops are logged at most this often. */
const DROP_LOG_MS = 10_000;

/**
 * The live queries whose subscribers are connected to this instance: each one's event queue, its
 * entry in the live index and its announcement to every instance, from open to close.
 */
export class LiveSubscriptions {
  private readonly local = new Map<string, LocalSubscription>();
  private readonly removing = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly repository: Pick<LiveQueryRepository, 'put' | 'remove'>,
    private readonly registry: Pick<LiveRegistry, 'announce' | 'queries'>,
    private readonly options: { queueCapacity: number },
    private readonly counters: LiveCounters,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.local.size;
  }

  /** The live queries of this instance's subscribers, by subscription id. */
  queries(): Map<string, LiveQuery> {
    return new Map([...this.local].map(([id, { query }]) => [id, query]));
  }

  /** Stores and announces the query; its stream ends (and the query is removed) when the client leaves. */
  async open(query: LiveQuery): Promise<LiveStream<LiveEvent>> {
    const id = query.subscriptionId;
    const subscription: LocalSubscription = {
      query,
      lastDropLog: 0,
      queue: new LiveQueue<LiveEvent>(id, {
        capacity: this.options.queueCapacity,
        onDrop: (dropped) => this.dropped(subscription, dropped),
        onClose: () => this.remove(id),
      }),
    };
    this.local.set(id, subscription);
    try {
      await this.repository.put(query);
      await this.registry.announce({ op: 'add', query });
    } catch (error) {
      this.local.delete(id);
      this.registry.queries.remove(id);
      await this.repository.remove([id]).catch(() => undefined);
      throw error;
    }
    return subscription.queue;
  }

  /** Queues matches for their subscribers here; events of subscriptions already gone are dropped. */
  deliver(events: LiveEvent[]): void {
    for (const event of events) this.local.get(event.subscriptionId)?.queue.push(event);
  }

  /** Ends every subscriber's stream; resolves with the ids of their queries, still in the index. */
  async close(): Promise<string[]> {
    this.closing = true;
    const ids = [...this.local.keys()];
    for (const { queue } of this.local.values()) await queue.close();
    this.local.clear();
    await Promise.all(this.removing);
    return ids;
  }

  /** Removes queries from the index and from every instance (graceful shutdown). */
  async forget(ids: string[]): Promise<void> {
    try {
      await this.repository.remove(ids);
      if (ids.length) await this.registry.announce({ op: 'remove', ids });
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'live queries left to expire');
    }
  }

  private remove(id: string): Promise<void> {
    if (this.closing || !this.local.delete(id)) return Promise.resolve();
    const removal = (async () => {
      try {
        await this.repository.remove([id]);
        await this.registry.announce({ op: 'remove', ids: [id] });
      } catch (error) {
        // Not renewed any more, so the entry expires with its TTL even if this failed.
        this.logger.warn({ err: (error as Error).message, subscription: id }, 'live query not removed');
      }
    })();
    this.removing.add(removal);
    return removal.finally(() => this.removing.delete(removal));
  }

  private dropped(subscription: LocalSubscription, droppedSinceDelivery: number): void {
    this.counters.droppedEvents++;
    const now = Date.now();
    if (now - subscription.lastDropLog < DROP_LOG_MS) return;
    subscription.lastDropLog = now;
    this.logger.warn(
      {
        subscription: subscription.query.subscriptionId,
        owner: subscription.query.owner,
        droppedSinceDelivery,
      },
      'live subscriber is too slow: oldest events dropped',
    );
  }
}
