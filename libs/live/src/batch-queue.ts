import type { Logger } from '@quarry/observability';
import type { LiveCounters } from './live-types';

/**
 * Ingest batches waiting to be matched, run one after the other so each subscriber sees this
 * instance's changes in ingest order. Bounded: beyond `capacity` the oldest batch is dropped
 * (logged and counted), so matching that falls behind never holds ingest back.
 */
export class BatchQueue<T> {
  private readonly pending: T[] = [];
  private draining?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly run: (batch: T) => Promise<void>,
    private readonly options: { capacity: number },
    private readonly counters: Pick<LiveCounters, 'droppedBatches' | 'failedBatches'>,
    private readonly logger: Logger,
  ) {}

  /** Queues a batch and returns at once. */
  push(batch: T): void {
    if (this.stopped) return;
    this.pending.push(batch);
    if (this.pending.length > this.options.capacity) {
      this.pending.shift();
      this.counters.droppedBatches++;
      this.logger.error(
        { pending: this.pending.length },
        'live matching is behind ingest: oldest batch dropped, its subscribers miss it',
      );
    }
    this.draining ??= this.drain();
  }

  /** Resolves when every queued batch has been run. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Accepts no more batches; those queued still run (`idle()` waits for them). */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    try {
      for (let batch = this.pending.shift(); batch !== undefined; batch = this.pending.shift()) {
        try {
          await this.run(batch);
        } catch (error) {
          this.counters.failedBatches++;
          this.logger.error({ err: (error as Error).message }, 'live matching of a batch failed');
        }
      }
    } finally {
      this.draining = undefined;
    }
  }
}
