import type Redis from 'ioredis';
import type { SourceService } from '../sources/source.service';
import type { JobService, JobState } from './job.service';
import { STALE_AFTER_MS, SyncScheduler, TICK_MS } from './sync-scheduler';

describe('SyncScheduler: a job whose instance died', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  function schedulerWith(
    job: Partial<JobState>,
    writtenBy = () => Promise.resolve(7),
    others: Partial<JobState>[] = [],
  ) {
    const interrupted: string[] = [];
    const jobs = {
      list: () =>
        Promise.resolve([
          ...others,
          { id: 'job-1', kind: 'sync', status: 'running', source: 'docs', owner: 'o', ...job },
        ]),
      runsHere: () => false,
      markInterrupted: (j: JobState, resumedBy?: string, written?: number) => {
        interrupted.push(`${j.id}->${resumedBy} (${written} written)`);
        return Promise.resolve();
      },
    } as unknown as JobService;
    const synced: string[] = [];
    const sources = {
      get: (name: string) => Promise.resolve({ name }),
      sync: (name: string) => {
        synced.push(name);
        return Promise.resolve({ id: 'job-2' });
      },
      writtenBy,
      list: () => Promise.resolve([]),
    } as unknown as SourceService;
    // Redis locks as SET NX and the compare-and-delete script that gives one back.
    const locks = new Map<string, string>();
    const redis = {
      set: (key: string, value: string) => {
        if (locks.has(key)) return Promise.resolve(null);
        locks.set(key, value);
        return Promise.resolve('OK');
      },
      eval: (_script: string, _keys: number, key: string, value: string) =>
        Promise.resolve(locks.get(key) === value && locks.delete(key) ? 1 : 0),
    } as unknown as Redis;
    const errors: string[] = [];
    const scheduler = new SyncScheduler(sources, jobs, redis, 'test', (error) => errors.push(error.message));
    return { scheduler, interrupted, errors, sources, synced };
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

  it('is resumed by a later round when its source cannot be read now, not marked with nothing to continue it', async () => {
    const { scheduler, interrupted, errors, sources } = schedulerWith({
      updated_at: new Date(now - STALE_AFTER_MS - 1).toISOString(),
    });
    const get = sources.get;
    sources.get = () => Promise.reject(new Error('no_shard_available_action_exception'));
    expect(await scheduler.tick(now)).toEqual([]);
    expect(interrupted).toEqual([]);
    expect(errors).toEqual(['no_shard_available_action_exception']);
    // The resume lock was given back: the next round (of this or any instance) takes the job over.
    sources.get = get;
    expect((await scheduler.tick(now + TICK_MS)).map((j) => j.id)).toEqual(['job-2']);
    expect(interrupted).toEqual(['job-1->job-2 (7 written)']);
  });

  it('is marked, not resumed a second time, when it was taken over but the mark on it was lost', async () => {
    const { scheduler, interrupted, synced } = schedulerWith(
      { updated_at: new Date(now - STALE_AFTER_MS - 1).toISOString() },
      () => Promise.resolve(7),
      [
        {
          id: 'job-2',
          kind: 'sync',
          status: 'running',
          source: 'docs',
          resumes: 'job-1',
          updated_at: new Date(now).toISOString(),
        },
      ],
    );
    expect(await scheduler.tick(now)).toEqual([]);
    expect(synced).toEqual([]);
    expect(interrupted).toEqual(['job-1->job-2 (7 written)']);
  });

  it('is left alone while its heartbeat is recent', async () => {
    const { scheduler, interrupted } = schedulerWith({ updated_at: new Date(now - 3_000).toISOString() });
    expect(await scheduler.tick(now)).toEqual([]);
    expect(interrupted).toEqual([]);
  });
});
