import type { Client } from '@elastic/elasticsearch';

/**
 * Writes audit entries to the audit index in the background, in batches, so auditing never
 * slows a request. If Elasticsearch is away the queue holds up to `maxQueued` entries (the
 * structured log has them all), then the oldest are dropped and counted.
 */
export class AuditWriter {
  private queue: Record<string, unknown>[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;
  dropped = 0;

  constructor(
    private readonly client: Client,
    private readonly alias: string,
    private readonly maxQueued = 10_000,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  record(entry: Record<string, unknown>): void {
    this.queue.push(entry);
    if (this.queue.length > this.maxQueued) {
      this.dropped += this.queue.length - this.maxQueued;
      this.queue = this.queue.slice(-this.maxQueued);
    }
  }

  flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.client
      .bulk({ operations: batch.flatMap((entry) => [{ index: { _index: this.alias } }, entry]) })
      .then(() => undefined)
      .catch(() => {
        this.queue = [...batch, ...this.queue].slice(-this.maxQueued);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
