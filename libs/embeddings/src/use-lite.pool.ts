import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UnavailableError } from '@quarry/core';
import type { EmbedRequest, UseLiteWorkerData, WorkerReply } from './use-lite.protocol';

const WORKER_ENTRY = path.join(__dirname, `use-lite.worker${path.extname(__filename)}`);

/**
 * Under ts-jest the sources run untranspiled from disk, and a worker thread does not inherit jest's
 * transform; this preamble teaches the worker's `require` to transpile TypeScript (worker-side modules
 * import only packages and relative paths). Built code (`dist/`) starts the compiled `.js` entry directly.
 */
const TYPESCRIPT_WORKER_PREAMBLE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const ts = require(workerData.typescript);
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(workerData.entry);
`;

function spawn(data: UseLiteWorkerData): Worker {
  if (WORKER_ENTRY.endsWith('.ts')) {
    return new Worker(TYPESCRIPT_WORKER_PREAMBLE, {
      eval: true,
      workerData: { ...data, entry: WORKER_ENTRY, typescript: require.resolve('typescript') },
    });
  }
  return new Worker(WORKER_ENTRY, { workerData: data });
}

interface Task {
  readonly texts: string[];
  readonly resolve: (vectors: Float32Array) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

interface PoolWorker {
  readonly worker: Worker;
  ready: boolean;
  task?: { id: number; task: Task };
}

/**
 * A fixed number of worker threads, each holding its own USE-lite model, fed from one FIFO queue of
 * batches. Each worker thread has its own V8 isolate and WASM instance, so batches run truly in parallel
 * on separate cores, and tfjs (one global engine per thread) never shares state with the main thread.
 *
 * Idle workers are unref'd: a pool that has nothing to do never keeps a process alive, while one with a
 * batch in flight does. `close()` ends every thread.
 */
export class UseLiteWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Task[] = [];
  private starting?: Promise<void>;
  private closed = false;
  private nextRequestId = 1;

  /** @param service names the pool in errors, e.g. `embedder local:use-lite-512`. */
  constructor(
    private readonly size: number,
    private readonly data: UseLiteWorkerData,
    private readonly service: string,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`worker count must be a positive integer, got ${size}`);
    }
  }

  /** Starts the missing workers and resolves once each has loaded its model. Safe to call repeatedly. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(this.unavailable('it was closed'));
    this.starting ??= this.spawnMissing().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Embeds one batch on the next free worker. */
  async run(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    signal?.throwIfAborted();
    await this.start();
    signal?.throwIfAborted();
    // close() may have run while start() was being awaited; a task queued now would wait forever.
    if (this.closed) throw this.unavailable('it was closed');
    return new Promise<Float32Array>((resolve, reject) => {
      const onAbort = (): void => {
        // A batch already on a worker runs to its end; its result is then dropped.
        const queued = this.queue.indexOf(task);
        if (queued >= 0) this.queue.splice(queued, 1);
        settle(() => reject(signal?.reason));
      };
      const settle = (action: () => void): void => {
        if (task.settled) return;
        task.settled = true;
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const task: Task = {
        texts,
        settled: false,
        resolve: (vectors) => settle(() => resolve(vectors)),
        reject: (error) => settle(() => reject(error)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = this.unavailable('it was closed');
    for (const task of this.queue.splice(0)) task.reject(error);
    const workers = this.workers.splice(0);
    for (const { task } of workers) task?.task.reject(error);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }

  private async spawnMissing(): Promise<void> {
    const spawned = Array.from({ length: this.size - this.workers.length }, () => this.launch());
    try {
      await Promise.all(spawned.map(({ ready }) => ready));
    } catch (error) {
      await Promise.all(spawned.map(({ entry }) => this.retire(entry)));
      throw error;
    }
  }

  private launch(): { entry: PoolWorker; ready: Promise<void> } {
    const entry: PoolWorker = { worker: spawn(this.data), ready: false };
    this.workers.push(entry);
    const ready = new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      entry.worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          entry.ready = true;
          entry.worker.unref();
          resolve();
          this.dispatch();
        } else if (reply.type === 'failed') {
          reject(this.unavailable(`the model did not load: ${reply.message}`));
        } else {
          this.answer(entry, reply);
        }
      });
      entry.worker.on('error', (error) => {
        lastError = error;
      });
      entry.worker.on('exit', (code) => {
        const reason = `a model worker stopped (exit code ${code}${lastError ? `: ${lastError.message}` : ''})`;
        reject(this.unavailable(reason));
        this.onExit(entry, reason);
      });
    });
    return { entry, ready };
  }

  private answer(entry: PoolWorker, reply: Extract<WorkerReply, { id: number }>): void {
    const running = entry.task;
    if (!running || running.id !== reply.id) return;
    entry.task = undefined;
    entry.worker.unref();
    if (reply.type === 'result') running.task.resolve(reply.vectors);
    else running.task.reject(this.unavailable(reply.message));
    this.dispatch();
  }

  private onExit(entry: PoolWorker, reason: string): void {
    const index = this.workers.indexOf(entry);
    if (index < 0) return;
    this.workers.splice(index, 1);
    entry.task?.task.reject(this.unavailable(reason));
    // A worker that dies while loading fails start() itself; one that dies later is replaced on demand.
    if (entry.ready) this.starting = undefined;
    this.dispatch();
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (!entry.ready || entry.task) continue;
      const task = this.queue.shift();
      if (!task) return;
      const id = this.nextRequestId++;
      entry.task = { id, task };
      entry.worker.ref();
      const request: EmbedRequest = { id, texts: task.texts };
      entry.worker.postMessage(request);
    }
    if (this.queue.length > 0 && this.workers.length < this.size && !this.closed) {
      // Queued batches must not wait for a caller to notice that a worker is gone.
      this.start().catch((error: unknown) => {
        for (const task of this.queue.splice(0)) task.reject(error);
      });
    }
  }

  private async retire(entry: PoolWorker): Promise<void> {
    const index = this.workers.indexOf(entry);
    if (index >= 0) this.workers.splice(index, 1);
    await entry.worker.terminate();
  }

  private unavailable(reason: string): UnavailableError {
    return new UnavailableError(this.service, reason);
  }
}
