import type { Logger } from '@quarry/observability';
import type { RedisBus } from '@quarry/redis';
import type { LiveKeys } from './live-keys';
import type { RoutedEvent } from './live-matcher';
import type { DocumentChangeEvent, IngestProgressEvent, LiveEvent } from './live-types';

/** What arrives from other instances (and from this one) over Redis. */
export interface FanOutReceivers {
  /** Matches for this instance's subscribers. */
  hits(events: LiveEvent[]): void;
  changes(changes: DocumentChangeEvent[]): void;
  progress(event: IngestProgressEvent): void;
}

/**
 * Everything live results send between instances over Redis pub/sub: matches go to the instance
 * that holds the subscriber (directly when it is this one), document changes and job progress to
 * every instance. A lost message is logged, never thrown at the ingest.
 */
export class LiveFanOut {
  private readonly unsubscribers: (() => Promise<void>)[] = [];

  constructor(
    private readonly bus: RedisBus,
    private readonly keys: LiveKeys,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  async start(receivers: FanOutReceivers): Promise<void> {
    this.unsubscribers.push(
      await this.bus.subscribe(this.keys.hits(this.instance), (message) =>
        receivers.hits((message as { events?: LiveEvent[] }).events ?? []),
      ),
      await this.bus.subscribe(this.keys.changes, (message) =>
        receivers.changes((message as { changes?: DocumentChangeEvent[] }).changes ?? []),
      ),
      await this.bus.subscribe(this.keys.progress, (message) =>
        receivers.progress(message as IngestProgressEvent),
      ),
    );
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) await unsubscribe().catch(() => undefined);
  }

  /**
   * Groups matches by the subscriber's instance: this instance's are handed to `local`, each
   * other instance gets one message per batch (one connection publishes them in order).
   */
  async route(events: RoutedEvent[], local: (events: LiveEvent[]) => void): Promise<void> {
    const byInstance = new Map<string, LiveEvent[]>();
    for (const { instance, ...event } of events) {
      const list = byInstance.get(instance) ?? [];
      list.push(event);
      byInstance.set(instance, list);
    }
    for (const [instance, list] of byInstance) {
      if (instance === this.instance) local(list);
      else
        await this.bus
          .publish(this.keys.hits(instance), { events: list })
          .catch((error: Error) =>
            this.logger.warn({ err: error.message, instance }, 'live matches not published'),
          );
    }
  }

  async announceChanges(changes: DocumentChangeEvent[]): Promise<void> {
    await this.bus
      .publish(this.keys.changes, { changes })
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'document changes not announced'));
  }

  /** Rejects when Redis is unreachable: the caller decides what a lost report means. */
  async announceProgress(event: IngestProgressEvent): Promise<void> {
    await this.bus.publish(this.keys.progress, event);
  }
}
