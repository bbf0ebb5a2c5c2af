import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Principal } from '@quarry/core';
import type { Logger } from '@quarry/observability';
import type { LiveFanOut } from './live-fan-out';
import type { LiveKeys } from './live-keys';
import { LiveQueue } from './live-queue';
import type { IngestProgressEvent, LiveStream } from './live-types';

interface Watcher {
  queue: LiveQueue<IngestProgressEvent>;
  accepts(event: IngestProgressEvent): boolean;
}

/** How long a job's latest state is kept for subscribers that arrive late. */
const JOB_STATE_SECONDS = 3600;

/**
 * Progress of ingest jobs: whichever instance runs a job reports it to every instance (and keeps
 * the latest in Redis), and `ingestProgress` subscribers here follow it until its last report.
 */
export class IngestProgress {
  private readonly watchers = new Map<string, Set<Watcher>>();

  constructor(
    private readonly redis: Redis,
    private readonly fanOut: Pick<LiveFanOut, 'announceProgress'>,
    private readonly keys: Pick<LiveKeys, 'job'>,
    private readonly options: { queueCapacity: number },
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return [...this.watchers.values()].reduce((n, set) => n + set.size, 0);
  }

  /** Progress of one job, from whichever instance runs it; ends after its last report. */
  async watch(jobId: string, principal: Principal): Promise<LiveStream<IngestProgressEvent>> {
    const mayFollow = (event: IngestProgressEvent) =>
      (principal.role === 'admin' && !principal.collections) ||
      (event.owner !== undefined && event.owner === principal.id);
    let done = -1;
    const watcher: Watcher = {
      queue: new LiveQueue<IngestProgressEvent>(randomUUID(), {
        capacity: this.options.queueCapacity,
        onClose: () => {
          const set = this.watchers.get(jobId);
          set?.delete(watcher);
          if (set?.size === 0) this.watchers.delete(jobId);
        },
      }),
      // Reports can arrive twice (the stored state and the announcement): never go backwards.
      accepts: (event) => {
        if (!mayFollow(event)) return false;
        if (!event.finished && event.done < done) return false;
        done = event.done;
        return true;
      },
    };
    const set = this.watchers.get(jobId) ?? new Set();
    set.add(watcher);
    this.watchers.set(jobId, set);
    const stored = await this.redis.get(this.keys.job(jobId)).catch(() => null);
    if (stored) this.receive(JSON.parse(stored) as IngestProgressEvent);
    return watcher.queue;
  }

  /** Announces a job's progress to every instance and keeps the latest for late subscribers. */
  async report(event: IngestProgressEvent): Promise<void> {
    try {
      await this.redis.set(this.keys.job(event.jobId), JSON.stringify(event), 'EX', JOB_STATE_SECONDS);
      await this.fanOut.announceProgress(event);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, jobId: event.jobId },
        'ingest progress not announced',
      );
    }
  }

  /** A report announced by any instance, this one included. */
  receive(event: IngestProgressEvent): void {
    for (const watcher of this.watchers.get(event?.jobId) ?? []) {
      if (!watcher.accepts(event)) continue;
      watcher.queue.push(event);
      if (event.finished) watcher.queue.end();
    }
  }

  async close(): Promise<void> {
    for (const set of [...this.watchers.values()]) for (const { queue } of [...set]) await queue.close();
  }
}
