import type { Client } from '@elastic/elasticsearch';

type AuditEntry = Record<string, unknown>;

/** The part of the client the writer uses: the bulk helper (batching, 429 retries, per-item failures). */
export type BulkClient = Pick<Client, 'helpers'>;

/**
 * Writes audit entries to the audit index in the background, in batches, so auditing never
 * slows a request. Each batch goes through the client's bulk helper, which retries entries
 * Elasticsearch pushed back (429) and reports the ones it refused (counted in `refused`). If
 * Elasticsearch is away the queue holds up to `maxQueued` entries (the structured log has them
 * all), then the oldest are dropped and counted in `dropped`.
 */
export class AuditWriter {
  private queue: AuditEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;
  dropped = 0;
  refused = 0;

  constructor(
    private readonly client: BulkClient,
    private readonly alias: string,
    private readonly maxQueued = 10_000,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  record(entry: AuditEntry): void {
    this.queue.push(entry);
    this.trim();
  }

  private trim(): void {
    if (this.queue.length > this.maxQueued) {
      this.dropped += this.queue.length - this.maxQueued;
      this.queue = this.queue.slice(-this.maxQueued);
    }
  }

  flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.client.helpers
      .bulk<AuditEntry>({
        datasource: batch,
        onDocument: () => ({ index: { _index: this.alias } }),
        onDrop: () => {
          this.refused++;
        },
        retries: 2,
        wait: 500,
        // One request per batch: the queue already is the batch.
        flushBytes: 50_000_000,
      })
      .then(() => undefined)
      .catch(() => {
        // The bulk request itself failed (Elasticsearch away): keep the batch for the next flush.
        this.queue = [...batch, ...this.queue];
        this.trim();
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
