import { ConflictError, NotFoundError } from '@quarry/core';
import type { EmbeddingReindexer, ReindexProgress, ReindexResult } from './embedding-reindex';
import { ReindexJobs } from './embedding-reindex';
import { freshIndexName, versionOf } from './index-setup';

/** A reindexer that reports progress and finishes (or fails) when the test says so. */
function fakeReindexer() {
  let finish!: (result: ReindexResult) => void;
  let fail!: (error: Error) => void;
  let report!: (progress: ReindexProgress) => void;
  let signal: AbortSignal | undefined;
  const reindexer = {
    run: (onProgress: (progress: ReindexProgress) => void, abort?: AbortSignal) => {
      report = onProgress;
      signal = abort;
      return new Promise<ReindexResult>((resolve, reject) => {
        finish = resolve;
        fail = reject;
        abort?.addEventListener('abort', () => reject(abort.reason as Error));
      });
    },
  } as unknown as EmbeddingReindexer;
  return {
    reindexer,
    finish: (result: ReindexResult) => finish(result),
    fail: (error: Error) => fail(error),
    report: (progress: ReindexProgress) => report(progress),
    signal: () => signal,
  };
}

const result: ReindexResult = {
  from: 'q-vectors-v2',
  to: 'q-vectors-v2-abc',
  model: 'local:e5-small-v2',
  chunks: 3,
  caughtUp: 0,
};

describe('ReindexJobs', () => {
  it('runs one job at a time, reports its progress and its result', async () => {
    const fakes = [fakeReindexer(), fakeReindexer()];
    let made = 0;
    const jobs = new ReindexJobs(() => fakes[made++].reindexer);
    const { job, done } = jobs.start();
    expect(job.status).toBe('running');
    expect(() => jobs.start()).toThrow(ConflictError);
    fakes[0].report({ phase: 'embedding', chunks: 1, total: 3 });
    expect(jobs.get(job.id).progress).toEqual({ phase: 'embedding', chunks: 1, total: 3 });
    fakes[0].finish(result);
    await done;
    expect(jobs.get(job.id)).toMatchObject({ status: 'succeeded', result });
    expect(jobs.get(job.id).finished_at).toBeDefined();
    // The next job may start once the first has ended.
    const second = jobs.start();
    expect(second.job.status).toBe('running');
    fakes[1].finish(result);
    await second.done;
  });

  it('records a failure with its message, and an unknown job is not found', async () => {
    const fake = fakeReindexer();
    const jobs = new ReindexJobs(() => fake.reindexer);
    const { job, done } = jobs.start();
    fake.fail(new Error('bulk failed'));
    await done;
    expect(jobs.get(job.id)).toMatchObject({ status: 'failed', error: 'bulk failed' });
    expect(() => jobs.get('00000000-0000-4000-8000-000000000000')).toThrow(NotFoundError);
  });

  it('cancels a running job on close', async () => {
    const fake = fakeReindexer();
    const jobs = new ReindexJobs(() => fake.reindexer);
    const { job } = jobs.start();
    await jobs.close();
    expect(fake.signal()?.aborted).toBe(true);
    expect(jobs.get(job.id)).toMatchObject({ status: 'failed', error: 'shutting down' });
  });
});

describe('versioned index names', () => {
  it('reads the version of plain and re-embedded indices', () => {
    expect(versionOf('quarry-vectors-v2')).toBe(2);
    expect(versionOf(freshIndexName('quarry-vectors', 2))).toBe(2);
    expect(freshIndexName('quarry-vectors', 3)).toMatch(/^quarry-vectors-v3-[a-z0-9]+$/);
    expect(versionOf('quarry-vectors')).toBe(0);
  });
});
