import { randomUUID } from 'node:crypto';
import { NotFoundError, QuarryError } from '@quarry/core';
import type { IngestMetaStore } from '../meta.store';
import type { JobCounts, JobFailure, JobStage, JobState, JobStatus } from './job.dto';

// The job's shape is declared once, in job.dto.ts; these names stay importable from here.
export type { JobCounts, JobFailure, JobStage, JobState, JobStatus } from './job.dto';

/** What a running job reports through. */
export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  stage(stage: JobStage, done?: number): void;
  advance(stage: JobStage, by?: number): void;
  count(key: keyof JobCounts, by?: number): void;
  /** Counts work done by the jobs this one resumes (in `counts` and in `inherited`). */
  inherit(key: keyof NonNullable<JobState['inherited']>, by?: number): void;
  fail(failure: JobFailure): void;
}

/**
 * The writes of a job's record: its creation, progress (and heartbeat), each attempt at its final
 * state, that final state lost after every retry, and the mark a taking-over instance puts on it.
 */
export type JobWrite = 'start' | 'progress' | 'final' | 'final_lost' | 'interrupted';

/** Counters per stage, per outcome and per failed write of a job record (Prometheus). */
export interface JobMetrics {
  advanced(stage: JobStage, items: number): void;
  ended(status: JobStatus): void;
  /** Every failed write of a job record, whether it is retried, told or thrown. */
  saveFailed(write: JobWrite): void;
}

const NO_METRICS: JobMetrics = {
  advanced: () => undefined,
  ended: () => undefined,
  saveFailed: () => undefined,
};

const MAX_FAILURES = 200;
/**
 * How often a running job's record is rewritten even without progress: the heartbeat by which other
 * instances notice, within seconds, that the process running it died (one small write per job).
 */
export const HEARTBEAT_MS = 2_000;
const SAVE_INTERVAL_MS = 500;
/** Waits between the attempts to store a job's final state (a lost final save leaves it "running"). */
const FINAL_SAVE_RETRIES_MS = [200, 1_000, 3_000];

/** How a cancel reaches the instance that runs a job (Redis pub/sub between instances). */
export interface JobCancellation {
  /** Asks every instance to cancel the job; the one running it does. */
  request(id: string): Promise<void>;
  /** Hears the requests of every instance; returns how to stop listening. */
  listen(cancel: (id: string) => void): () => void;
}

/** How long a cancel requested of another instance is waited for before answering. */
const REMOTE_CANCEL_WAIT_MS = 10_000;

/**
 * Runs ingestion work as jobs whose state lives in the metadata index: visible while running and
 * afterwards, from any instance, and cancellable from any instance (through `cancellation`;
 * without it, only on the instance that runs them).
 */
export class JobService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<JobState> }>();
  private readonly stopListening: () => void;

  constructor(
    private readonly store: IngestMetaStore,
    private readonly onUpdate: (job: JobState) => void = () => undefined,
    private readonly metrics: JobMetrics = NO_METRICS,
    private readonly cancellation?: JobCancellation,
    /** Told when a job's state cannot be stored (the final state: after every retry failed). */
    private readonly onSaveError: (error: Error, job: JobState, final: boolean) => void = () => undefined,
  ) {
    this.stopListening =
      cancellation?.listen((id) => this.running.get(id)?.controller.abort()) ?? (() => undefined);
  }

  /** Starts `work` in the background and answers with the job as it starts. */
  async start(
    meta: Pick<JobState, 'kind' | 'source' | 'collection' | 'owner' | 'resumes'>,
    work: (job: JobHandle) => Promise<void>,
    /** Told of this job's progress as it is stored (an MCP caller's progress notifications). */
    listener: (job: JobState) => void = () => undefined,
  ): Promise<JobState> {
    const now = new Date().toISOString();
    const state: JobState = {
      id: randomUUID(),
      ...meta,
      status: 'running',
      stage: 'fetch',
      stages: { fetch: 0, extract: 0, chunk: 0, embed: 0, index: 0 },
      counts: { found: 0, unchanged: 0, indexed: 0, embedded: 0, skipped: 0, failed: 0, deleted: 0 },
      failures: [],
      created_at: now,
      updated_at: now,
    };
    await this.write(state, 'start', 'wait_for');
    const controller = new AbortController();
    let lastSave = 0;
    let saveFailing = false;
    let writes: Promise<void> = Promise.resolve();
    let pending: JobState | undefined;
    // Progress is stored and announced at most every SAVE_INTERVAL_MS; the final state always.
    const save = (force = false) => {
      state.updated_at = new Date().toISOString();
      if (!force && Date.now() - lastSave < SAVE_INTERVAL_MS) return;
      lastSave = Date.now();
      this.onUpdate({ ...state });
      listener({ ...state });
      // One write at a time, in order: a progress write still on its way must not land after (and
      // undo) a later one, above all the final state (the CLI's job stayed "running", then
      // "interrupted"). While one is in flight only the newest state waits; the others are skipped.
      const snapshot = { ...state };
      const queued = pending === undefined;
      pending = snapshot;
      if (queued)
        writes = writes.then(async () => {
          const next = pending;
          pending = undefined;
          // Dropped when the final state is about to be stored: it carries all of this and more.
          if (!next) return;
          // The next save carries the same state and more: a failed one is not retried, but told (once a run).
          await this.write(next, 'progress').then(
            () => (saveFailing = false),
            (error: Error) => {
              if (!saveFailing) this.onSaveError(error, next, false);
              saveFailing = true;
            },
          );
        });
    };
    const handle: JobHandle = {
      id: state.id,
      signal: controller.signal,
      stage: (stage, done) => {
        state.stage = stage;
        if (done !== undefined) state.stages[stage] = done;
        save();
      },
      advance: (stage, by = 1) => {
        state.stage = stage;
        state.stages[stage] += by;
        this.metrics.advanced(stage, by);
        save();
      },
      count: (key, by = 1) => {
        state.counts[key] += by;
        save();
      },
      inherit: (key, by = 1) => {
        state.inherited ??= { indexed: 0, embedded: 0, deleted: 0 };
        state.inherited[key] += by;
        state.counts[key] += by;
        save();
      },
      fail: (failure) => {
        if (state.failures.length < MAX_FAILURES) state.failures.push(failure);
        state.counts[failure.skipped ? 'skipped' : 'failed']++;
        save();
      },
    };
    // A heartbeat while running: a job whose record stops changing was left by a process that stopped.
    const heartbeat = setInterval(() => save(true), HEARTBEAT_MS);
    heartbeat.unref();
    const done = (async () => {
      try {
        await work(handle);
        state.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
      } catch (error) {
        state.status = controller.signal.aborted ? 'cancelled' : 'failed';
        if (!controller.signal.aborted) state.error = (error as Error).message;
      }
      clearInterval(heartbeat);
      this.metrics.ended(state.status);
      listener({ ...state });
      state.finished_at = new Date().toISOString();
      state.updated_at = state.finished_at;
      this.onUpdate({ ...state });
      pending = undefined;
      await writes;
      await this.saveFinal(state);
      this.running.delete(state.id);
      return state;
    })();
    this.running.set(state.id, { controller, done });
    return { ...state };
  }

  /**
   * Stores a job's final state, retried: a lost final save would leave the job "running" until
   * another instance took it for interrupted and ran it again.
   */
  private async saveFinal(state: JobState): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write({ ...state }, 'final', 'wait_for');
        return;
      } catch (error) {
        if (attempt >= FINAL_SAVE_RETRIES_MS.length) {
          this.metrics.saveFailed('final_lost');
          this.onSaveError(error as Error, { ...state }, true);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FINAL_SAVE_RETRIES_MS[attempt]));
      }
    }
  }

  /** The job's final state, once it ends. */
  async wait(id: string): Promise<JobState> {
    const running = this.running.get(id);
    if (running) return running.done;
    return this.get(id);
  }

  async get(id: string): Promise<JobState> {
    const state = await this.store.get<JobState>('job', id);
    if (!state) throw new NotFoundError('job', id);
    return state;
  }

  list(size = 100): Promise<JobState[]> {
    return this.store.list<JobState>('job', size);
  }

  /**
   * Cancels a running job; answers with its final state. A job of another instance is cancelled
   * there (its state is read back until it has ended, for REMOTE_CANCEL_WAIT_MS at most).
   */
  async cancel(id: string): Promise<JobState> {
    const running = this.running.get(id);
    if (running) {
      running.controller.abort();
      return running.done;
    }
    let state = await this.get(id);
    if (state.status !== 'running') return state;
    if (!this.cancellation)
      throw new QuarryError('conflict', `job ${id} runs on another instance; cancel it there`);
    await this.cancellation.request(id);
    const deadline = Date.now() + REMOTE_CANCEL_WAIT_MS;
    while (state.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = await this.get(id);
    }
    return state;
  }

  /** True when this process runs the job. */
  runsHere(id: string): boolean {
    return this.running.has(id);
  }

  /**
   * Marks a job left running by a stopped process as interrupted, naming the job that took over.
   * With `written` (the documents it wrote, counted in the index), its counts are corrected for the
   * work it did after its last save; its other counts stay as last saved, `found` at least what they add up to.
   */
  async markInterrupted(job: JobState, resumedBy?: string, written?: number): Promise<void> {
    const now = new Date().toISOString();
    const counts = { ...job.counts };
    if (written !== undefined) {
      counts.indexed = Math.max(counts.indexed, (job.inherited?.indexed ?? 0) + written);
      counts.embedded = Math.max(counts.embedded, (job.inherited?.embedded ?? 0) + written);
      const { indexed, unchanged, skipped, failed } = counts;
      counts.found = Math.max(counts.found, indexed + unchanged + skipped + failed);
    }
    await this.write(
      {
        ...job,
        counts,
        status: 'interrupted',
        finished_at: now,
        updated_at: now,
        ...(resumedBy ? { resumedBy } : {}),
      },
      'interrupted',
      'wait_for',
    );
    // Its own instance died before it could count the end: counted by the one that took it over.
    this.metrics.ended('interrupted');
  }

  /** Stores a job's record; a failure is counted (whoever catches it tells or retries it) and thrown. */
  private async write(state: JobState, write: JobWrite, refresh?: 'wait_for'): Promise<void> {
    try {
      await this.store.put('job', state.id, state, refresh);
    } catch (error) {
      this.metrics.saveFailed(write);
      throw error;
    }
  }

  /** Cancels every running job (shutdown). */
  async close(): Promise<void> {
    this.stopListening();
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done.catch(() => undefined)));
  }
}
