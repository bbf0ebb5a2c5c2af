import type Redis from 'ioredis';
import type { SourceService } from '../sources/source.service';
import type { JobService, JobState } from './job.service';
import { STALE_AFTER_MS, SyncScheduler, TICK_MS } from './sync-scheduler';

describe('SyncScheduler: a job whose instance died', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  function schedulerWith(job: Partial<JobState>, writtenBy = () => Promise.resolve(7)) {
    const interrupted: string[] = [];
    const jobs = {
      list: () =>
        Promise.resolve([
          { id: 'job-1', kind: 'sync', status: 'running', source: 'docs', owner: 'o', ...job },
        ]),
      runsHere: () => false,
      markInterrupted: (j: JobState, resumedBy?: string, written?: number) => {
        interrupted.push(`${j.id}->${resumedBy} (${written} written)`);
        return Promise.resolve();
      },
    } as unknown as JobService;
    const sources = {
      get: () => Promise.resolve({ name: 'docs' }),
      sync: () => Promise.resolve({ id: 'job-2' }),
      writtenBy,
      list: () => Promise.resolve([]),
    } as unknown as SourceService;
    const redis = { set: () => Promise.resolve('OK') } as unknown as Redis;
    const errors: string[] = [];
    const scheduler = new SyncScheduler(sources, jobs, redis, 'test', (error) => errors.push(error.message));
    return { scheduler, interrupted, errors };
  }

  it('is taken over within seconds of its last heartbeat (it took about 73 s)', async () => {
    expect(STALE_AFTER_MS + TICK_MS).toBeLessThanOrEqual(15_000);
    const { scheduler, interrupted } = schedulerWith({
      updated_at: new Date(now - STALE_AFTER_MS - 1).toISOString(),
    });
    expect((await scheduler.tick(now)).map((j) => j.id)).toEqual(['job-2']);
    expect(interrupted).toEqual(['job-1->job-2 (7 written)']);
  });

  it('is resumed even when what it wrote cannot be counted, and the failure is told', async () => {
    const { scheduler, interrupted, errors } = schedulerWith(
      { updated_at: new Date(now - STALE_AFTER_MS - 1).toISOString() },
      () => Promise.reject(new Error('search_phase_execution_exception')),
    );
    expect((await scheduler.tick(now)).map((j) => j.id)).toEqual(['job-2']);
    expect(interrupted).toEqual(['job-1->job-2 (undefined written)']);
    expect(errors).toEqual(['search_phase_execution_exception']);
  });

  it('is left alone while its heartbeat is recent', async () => {
    const { scheduler, interrupted } = schedulerWith({ updated_at: new Date(now - 3_000).toISOString() });
    expect(await scheduler.tick(now)).toEqual([]);
    expect(interrupted).toEqual([]);
  });
});
