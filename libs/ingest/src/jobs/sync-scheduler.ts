import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { SourceService } from '../sources/source.service';
import { everyMs } from '../sources/source.dto';
import { HEARTBEAT_MS, type JobService, type JobState } from './job.service';

/**
 * A running job whose record has not changed for this long was left by a process that stopped: five
 * missed heartbeats, so that a slow write or a GC pause does not hand a live job to a second instance.
 */
export const STALE_AFTER_MS = 5 * HEARTBEAT_MS;
/** How often every instance looks for such jobs and for due schedules (two small searches). */
export const TICK_MS = 5_000;

/**
 * Runs scheduled syncs (`every`) and takes over syncs interrupted by a restart. Every instance
 * ticks; a Redis lock (SET NX PX) per source period or interrupted job lets exactly one of them
 * act. A resumed sync simply syncs again: ids are derived from the items and unchanged items are
 * skipped, so nothing is indexed twice and finished work is not redone.
 */
export class SyncScheduler {
  private timer?: NodeJS.Timeout;
  private readonly instance = randomUUID();

  constructor(
    private readonly sources: SourceService,
    private readonly jobs: JobService,
    private readonly redis: Redis,
    private readonly lockPrefix: string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  start(intervalMs = TICK_MS): void {
    this.timer = setInterval(() => void this.tick().catch(this.onError), intervalMs);
    this.timer.unref();
    void this.tick().catch(this.onError);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async lock(key: string, ttlMs: number): Promise<boolean> {
    const answer = await this.redis.set(`${this.lockPrefix}:${key}`, this.instance, 'PX', ttlMs, 'NX');
    return answer === 'OK';
  }

  /** One round: resume interrupted syncs, start due ones. Answers with the jobs it started. */
  async tick(now = Date.now()): Promise<JobState[]> {
    const started: JobState[] = [];
    const recent = await this.jobs.list(200);
    const runningSources = new Set(
      recent.filter((j) => j.status === 'running' && j.source).map((j) => j.source),
    );
    for (const job of recent) {
      if (job.status !== 'running' || this.jobs.runsHere(job.id)) continue;
      if (now - Date.parse(job.updated_at) < STALE_AFTER_MS) continue;
      if (!(await this.lock(`resume:${job.id}`, 10 * 60_000))) continue;
      const source = job.source ? await this.sources.get(job.source).catch(() => undefined) : undefined;
      // Counted before the resume can rewrite any of them: the dead job's record then says what it did.
      // Without it (Elasticsearch slow to count) the job is still resumed, its record as last saved.
      const written =
        job.kind === 'sync'
          ? await this.sources.writtenBy(job.id).catch((error: Error) => void this.onError(error))
          : undefined;
      const resumed = source ? await this.sources.sync(source.name, false, job.owner, job.id) : undefined;
      await this.jobs.markInterrupted(job, resumed?.id, written);
      if (resumed) started.push(resumed);
    }
    for (const source of await this.sources.list()) {
      if (!source.every || runningSources.has(source.name)) continue;
      const period = everyMs(source.every);
      const last = source.last_sync ? Date.parse(source.last_sync) : 0;
      if (now - last < period) continue;
      if (!(await this.lock(`schedule:${source.name}`, period))) continue;
      started.push(await this.sources.sync(source.name));
    }
    return started;
  }
}
