import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { NotFoundError } from '@quarry/core';
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
/** How long the instance resuming an interrupted job holds it (others leave it alone meanwhile). */
const RESUME_LOCK_MS = 10 * 60_000;
/** Deletes a lock only if this instance still holds it. */
const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** A source that is gone is no error (its job is marked, not resumed); any other failure is. */
const unlessGone = (error: unknown) => {
  if (error instanceof NotFoundError) return undefined;
  throw error;
};

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

  private async unlock(key: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, `${this.lockPrefix}:${key}`, this.instance);
  }

  /**
   * Runs `start` under a lock; when it fails, nothing was started, so the lock is given back for the
   * next round (of any instance) to try again, and the failure is told.
   */
  private async underLock<T>(key: string, ttlMs: number, start: () => Promise<T>): Promise<T | 'locked'> {
    if (!(await this.lock(key, ttlMs))) return 'locked';
    try {
      return await start();
    } catch (error) {
      await this.unlock(key).catch((unlockError: Error) => this.onError(unlockError));
      throw error;
    }
  }

  /**
   * One round: resume interrupted syncs, start due ones. Answers with the jobs it started. A failure
   * with one job or source is told and the round goes on with the others.
   */
  async tick(now = Date.now()): Promise<JobState[]> {
    const started: JobState[] = [];
    const recent = await this.jobs.list(200);
    const runningSources = new Set(
      recent.filter((j) => j.status === 'running' && j.source).map((j) => j.source),
    );
    for (const job of recent) {
      if (job.status !== 'running' || this.jobs.runsHere(job.id)) continue;
      if (now - Date.parse(job.updated_at) < STALE_AFTER_MS) continue;
      await this.takeOver(job, recent)
        .then((resumed) => resumed && started.push(resumed))
        .catch((error: Error) => this.onError(error));
    }
    for (const source of await this.sources.list()) {
      if (!source.every || runningSources.has(source.name)) continue;
      const period = everyMs(source.every);
      const last = source.last_sync ? Date.parse(source.last_sync) : 0;
      if (now - last < period) continue;
      await this.underLock(`schedule:${source.name}`, period, () => this.sources.sync(source.name))
        .then((job) => job !== 'locked' && started.push(job))
        .catch((error: Error) => this.onError(error));
    }
    return started;
  }

  /**
   * The documents a dead sync job wrote, for its record. Without it (Elasticsearch slow to count)
   * the job is still taken over, its record as last saved, and the failure told.
   */
  private async writtenBy(job: JobState): Promise<number | undefined> {
    if (job.kind !== 'sync') return undefined;
    return this.sources.writtenBy(job.id).catch((error: Error) => void this.onError(error));
  }

  /** Marks a job left by a stopped process interrupted and resumes its sync; answers with the new job. */
  private async takeOver(job: JobState, recent: JobState[]): Promise<JobState | undefined> {
    // Taken over already, but the mark on it was lost: mark it now; its sync runs once, not twice.
    const successor = recent.find((j) => j.resumes === job.id);
    if (successor) {
      await this.jobs.markInterrupted(job, successor.id, await this.writtenBy(job));
      return undefined;
    }
    let written: number | undefined;
    const resumed = await this.underLock(`resume:${job.id}`, RESUME_LOCK_MS, async () => {
      // A source that cannot be read now is not a removed one: the lock is given back and the next
      // round resumes it, instead of marking the job interrupted with nothing to continue it.
      const source = job.source ? await this.sources.get(job.source).catch(unlessGone) : undefined;
      // Counted before the resume can rewrite any of them: the dead job's record then says what it did.
      written = await this.writtenBy(job);
      return source ? this.sources.sync(source.name, false, job.owner, job.id) : undefined;
    });
    if (resumed === 'locked') return undefined;
    await this.jobs.markInterrupted(job, resumed?.id, written);
    return resumed;
  }
}
