import type { IngestMetaStore } from '../meta.store';
import { JobService, type JobMetrics, type JobState, type JobWrite } from './job.service';

/** The metadata store in memory. */
function fakeStore() {
  const entries = new Map<string, unknown>();
  const store = {
    put: async (kind: string, name: string, definition: unknown) =>
      void entries.set(`${kind}:${name}`, definition),
    get: async (kind: string, name: string) => entries.get(`${kind}:${name}`),
    list: async (kind: string) =>
      [...entries].filter(([key]) => key.startsWith(`${kind}:`)).map(([, value]) => value),
    delete: async (kind: string, name: string) => entries.delete(`${kind}:${name}`),
  };
  return { store: store as unknown as IngestMetaStore, entries };
}

/** Metrics that remember the failed writes (by kind) and the ends they were told. */
function countingMetrics() {
  const failedWrites: Partial<Record<JobWrite, number>> = {};
  const ended: string[] = [];
  const metrics: JobMetrics = {
    advanced: () => undefined,
    ended: (status) => void ended.push(status),
    saveFailed: (write) => void (failedWrites[write] = (failedWrites[write] ?? 0) + 1),
  };
  return { metrics, failedWrites, ended };
}

describe('JobService', () => {
  it('stores a job from start to end with its counts and failures', async () => {
    const { store } = fakeStore();
    const updates: JobState[] = [];
    const heard: string[] = [];
    const jobs = new JobService(store, (job) => updates.push(job));
    const started = await jobs.start(
      { kind: 'sync', source: 's', collection: 'c' },
      async (job) => {
        job.count('found', 2);
        job.advance('extract');
        job.count('indexed');
        job.fail({ item: 'b.bin', stage: 'extract', reason: 'binary content', skipped: true });
      },
      (job) => heard.push(job.status),
    );
    expect(started.status).toBe('running');
    const done = await jobs.wait(started.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      counts: { found: 2, indexed: 1, skipped: 1 },
      stages: { extract: 1 },
      failures: [{ item: 'b.bin', reason: 'binary content', skipped: true }],
    });
    expect(await jobs.get(started.id)).toMatchObject({ status: 'succeeded' });
    expect(updates[updates.length - 1].status).toBe('succeeded');
    expect(heard[heard.length - 1]).toBe('succeeded');
  });

  it('stores the final state last, even when a progress save is still on its way', async () => {
    const { store, entries } = fakeStore();
    // The store answers the first progress write late: it lands after whatever was sent after it.
    const put = store.put.bind(store);
    let late: Promise<void> | undefined;
    store.put = ((kind: 'job', name: string, definition: JobState, refresh?: boolean | 'wait_for') => {
      if (definition.status !== 'running' || definition.counts.found === 0 || late)
        return put(kind, name, definition, refresh);
      late = new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        put(kind, name, definition, refresh),
      );
      return late;
    }) as typeof store.put;
    const jobs = new JobService(store);
    const started = await jobs.start({ kind: 'ingest' }, async (job) => {
      job.count('found', 1);
    });
    expect(await jobs.wait(started.id)).toMatchObject({ status: 'succeeded' });
    await late;
    expect(entries.get(`job:${started.id}`)).toMatchObject({ status: 'succeeded', counts: { found: 1 } });
  });

  it('records the error of a failed job', async () => {
    const jobs = new JobService(fakeStore().store);
    const started = await jobs.start({ kind: 'sync' }, async () => {
      throw new Error('the API answered 401');
    });
    expect(await jobs.wait(started.id)).toMatchObject({ status: 'failed', error: 'the API answered 401' });
  });

  it('cancels a running job through its signal', async () => {
    const jobs = new JobService(fakeStore().store);
    const started = await jobs.start({ kind: 'sync' }, (job) => {
      return new Promise((_resolve, reject) =>
        job.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    expect(jobs.runsHere(started.id)).toBe(true);
    expect(await jobs.cancel(started.id)).toMatchObject({ status: 'cancelled' });
    expect(jobs.runsHere(started.id)).toBe(false);
  });

  it('cancels a job of another instance through the cancellation channel', async () => {
    const { store } = fakeStore();
    const listeners: ((id: string) => void)[] = [];
    const channel = {
      request: async (id: string) => listeners.forEach((cancel) => cancel(id)),
      listen: (cancel: (id: string) => void) => {
        listeners.push(cancel);
        return () => undefined;
      },
    };
    const runner = new JobService(store, undefined, undefined, channel);
    const other = new JobService(store, undefined, undefined, channel);
    const started = await runner.start({ kind: 'sync' }, (job) => {
      return new Promise((_resolve, reject) =>
        job.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    expect(await other.cancel(started.id)).toMatchObject({ status: 'cancelled' });
    // Without a channel, the other instance can only say where to cancel it.
    const alone = new JobService(store);
    const second = await runner.start({ kind: 'sync' }, (job) => {
      return new Promise((_resolve, reject) =>
        job.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    await expect(alone.cancel(second.id)).rejects.toThrow(/runs on another instance/);
    await runner.close();
  });

  it('marks an interrupted job with the job that took it over', async () => {
    const { store } = fakeStore();
    const jobs = new JobService(store);
    const started = await jobs.start({ kind: 'sync' }, async () => undefined);
    const done = await jobs.wait(started.id);
    await jobs.markInterrupted({ ...done, status: 'running' }, 'next-job');
    expect(await jobs.get(started.id)).toMatchObject({ status: 'interrupted', resumedBy: 'next-job' });
  });

  it('corrects an interrupted job for the documents it wrote after its last saved count', async () => {
    const { store } = fakeStore();
    const jobs = new JobService(store);
    const started = await jobs.start({ kind: 'sync' }, async () => undefined);
    const saved = await jobs.wait(started.id);
    const lastSaved = {
      ...saved,
      status: 'running' as const,
      counts: { ...saved.counts, found: 40, unchanged: 5, indexed: 30, embedded: 30 },
    };
    await jobs.markInterrupted(lastSaved, 'next-job', 50);
    expect((await jobs.get(started.id)).counts).toMatchObject({
      found: 55,
      unchanged: 5,
      indexed: 50,
      embedded: 50,
    });
  });

  it('retries the final save of a job, and tells when it is lost', async () => {
    const { store, entries } = fakeStore();
    const failing = store as unknown as { put: (...args: unknown[]) => Promise<void> };
    const put = failing.put;
    let failures = 0;
    // Elasticsearch refuses the first two writes of the final state, then answers again.
    failing.put = async (...args: unknown[]) => {
      const state = args[2] as JobState;
      if (state.status !== 'running' && failures < 2) {
        failures++;
        throw new Error('es_rejected_execution_exception');
      }
      // A copy, as Elasticsearch keeps: the job's later changes must not reach the stored record.
      return put(args[0], args[1], structuredClone(state));
    };
    const told: [string, boolean][] = [];
    const { metrics, failedWrites } = countingMetrics();
    const jobs = new JobService(store, undefined, metrics, undefined, (error, _job, final) =>
      told.push([error.message, final]),
    );
    const started = await jobs.start({ kind: 'sync' }, async () => undefined);
    await jobs.wait(started.id);
    expect(entries.get(`job:${started.id}`)).toMatchObject({ status: 'succeeded' });
    expect(told).toEqual([]);
    // Retried and stored in the end, but the failed attempts are still counted.
    expect(failedWrites).toEqual({ final: 2 });

    // A store that never answers again: the loss is told, not swallowed.
    failing.put = async (...args: unknown[]) => {
      if ((args[2] as JobState).status !== 'running') throw new Error('no node available');
      return put(...args);
    };
    const lost = await jobs.start({ kind: 'sync' }, async () => undefined);
    await jobs.wait(lost.id);
    expect(told).toEqual([['no node available', true]]);
    // Four attempts (the first and three retries), then the loss itself.
    expect(failedWrites).toEqual({ final: 6, final_lost: 1 });
  }, 15_000);

  it('counts every failed progress write, tells the first of a run of them, and throws a failed mark', async () => {
    const { store, entries } = fakeStore();
    const failing = store as unknown as { put: (...args: unknown[]) => Promise<void> };
    const put = failing.put;
    let down = false;
    failing.put = async (...args: unknown[]) => {
      if (down) throw new Error('cluster_block_exception');
      return put(...args);
    };
    const told: [string, boolean][] = [];
    const { metrics, failedWrites, ended } = countingMetrics();
    const jobs = new JobService(store, undefined, metrics, undefined, (error, _job, final) =>
      told.push([error.message, final]),
    );
    // Progress is stored at most every 500 ms: the clock moves 600 ms between two stage changes, so
    // each is a write of its own (and the 2 s heartbeat, on the real clock, stays out of the count).
    let clock = Date.now();
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
    let step!: (stage: 'fetch' | 'index') => Promise<void>;
    let finish!: () => void;
    const started = await jobs.start({ kind: 'sync' }, async (job) => {
      step = async (stage) => {
        clock += 600;
        job.stage(stage);
        await new Promise((resolve) => setTimeout(resolve, 10));
      };
      await new Promise<void>((resolve) => (finish = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    down = true;
    await step('fetch');
    await step('index');
    await step('fetch');
    expect(failedWrites).toEqual({ progress: 3 });
    // Told once for the run of failures, not at every heartbeat.
    expect(told).toEqual([['cluster_block_exception', false]]);
    down = false;
    finish();
    expect(await jobs.wait(started.id)).toMatchObject({ status: 'succeeded' });
    expect(entries.get(`job:${started.id}`)).toMatchObject({ status: 'succeeded' });

    // The mark a taking-over instance puts on a dead job: counted, and thrown to it (not swallowed).
    down = true;
    const record = { ...(entries.get(`job:${started.id}`) as JobState), status: 'running' as const };
    await expect(jobs.markInterrupted(record, 'next')).rejects.toThrow('cluster_block_exception');
    expect(failedWrites).toEqual({ progress: 3, interrupted: 1 });
    down = false;
    await jobs.markInterrupted(record, 'next');
    expect(ended).toEqual(['succeeded', 'interrupted']);
    now.mockRestore();
  });

  it('counts the work of the jobs it resumes both in its counts and apart', async () => {
    const jobs = new JobService(fakeStore().store);
    const started = await jobs.start({ kind: 'sync', resumes: 'dead' }, async (job) => {
      job.count('found', 3);
      job.inherit('indexed', 2);
      job.count('indexed');
    });
    expect(await jobs.wait(started.id)).toMatchObject({
      counts: { found: 3, indexed: 3 },
      inherited: { indexed: 2, embedded: 0, deleted: 0 },
    });
  });
});
