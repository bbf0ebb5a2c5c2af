import path from 'node:path';
import { Piscina, queueOptionsSymbol, type PiscinaTask as Task, type TaskQueue } from 'piscina';

/**
 * onnxruntime-node's `session.run` returns a promise but runs the model on the calling thread (it only
 * defers the call with setImmediate): a 32-passage batch held the event loop for seconds. So each session
 * lives in a worker thread of its own (piscina; the worker is onnx-session.worker.js), and the main thread
 * only tokenizes, pads and pools.
 */

export interface SessionOutput {
  data: Float32Array;
  dims: number[];
}

interface Batch {
  batch: number;
  sequence: number;
  inputs: Record<string, BigInt64Array>;
  output: string;
}

export interface SessionPoolOptions {
  modelPath: string;
  /** Worker threads, each with its own session. */
  workers: number;
  /** ONNX Runtime intra-op threads per session. */
  threadsPerWorker: number;
}

/** Urgent tasks (`{ urgent: true }` queue options) first, each kind in arrival order. */
class UrgentFirstQueue implements TaskQueue {
  private readonly urgent: Task[] = [];
  private readonly rest: Task[] = [];

  get size(): number {
    return this.urgent.length + this.rest.length;
  }

  push(task: Task): void {
    this.queueOf(task).push(task);
  }

  /** Where piscina puts back a task it took but could not hand to a worker yet (`stricterFIFO`). */
  unshift(task: Task): void {
    this.queueOf(task).unshift(task);
  }

  shift(): Task | null {
    return this.urgent.shift() ?? this.rest.shift() ?? null;
  }

  private queueOf(task: Task): Task[] {
    const options = task[queueOptionsSymbol] as { urgent?: boolean } | null;
    return options?.urgent ? this.urgent : this.rest;
  }

  remove(task: Task): void {
    for (const queue of [this.urgent, this.rest]) {
      const at = queue.indexOf(task);
      if (at >= 0) queue.splice(at, 1);
    }
  }
}

const CLOSED = 'the embedding model was closed';

/**
 * A fixed set of worker threads, each holding one ONNX Runtime session of the same model, fed from one
 * queue. Urgent work (a search query) goes to the front, so a query never waits behind a long ingest
 * but at most for one batch. Idle workers are unref'd (piscina), so an idle pool never keeps the process
 * alive; a worker that dies is replaced.
 */
export class OnnxSessionPool {
  private closed = false;

  private constructor(
    private readonly pool: Piscina,
    readonly inputNames: string[],
    readonly outputNames: string[],
  ) {}

  /** Starts the workers; fails when ONNX Runtime cannot load the model. */
  static async start(options: SessionPoolOptions): Promise<OnnxSessionPool> {
    const workers = Math.max(1, options.workers);
    const pool = new Piscina({
      filename: path.join(__dirname, 'onnx-session.worker.js'),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
      // Tasks are asynchronous (session.run): the workers wait on their event loop, not on Atomics.
      atomics: 'disabled',
      taskQueue: new UrgentFirstQueue(),
      // A task taken from the queue while every worker is busy goes back to its front, not its tail.
      stricterFIFO: true,
      recordTiming: false,
      workerData: {
        model: options.modelPath,
        options: {
          intraOpNumThreads: Math.max(1, options.threadsPerWorker),
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          // ONNX Runtime's threads busy-wait for work by default. Quarry shares its cores with
          // Elasticsearch and the event loop: measured on 2 busy cores, spinning threads made a
          // short query take 49 ms (p50) instead of 11 ms.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        },
      },
    });
    // One task per worker, so every worker has loaded its session (or failed to) before the pool
    // is used or closed: ONNX Runtime aborts the whole process when a worker is terminated
    // mid-load. All of them are awaited, not just the first to fail: destroying the pool while
    // another worker still loaded aborted a CI run ("terminate called after throwing Napi::Error").
    const loads = await Promise.allSettled(Array.from({ length: workers }, () => pool.run({ names: true })));
    const failed = loads.find((load): load is PromiseRejectedResult => load.status === 'rejected');
    if (failed) {
      await pool.destroy();
      throw failed.reason;
    }
    const names = (loads[0] as PromiseFulfilledResult<{ inputNames: string[]; outputNames: string[] }>).value;
    return new OnnxSessionPool(pool, names.inputNames, names.outputNames);
  }

  /** Runs one padded batch; `urgent` work is queued ahead of the rest. */
  async run(batch: Batch, urgent = false): Promise<SessionOutput> {
    if (this.closed) throw new Error(CLOSED);
    // Copied, not transferred: the caller still pools with the attention mask (a batch is ~100 KB).
    const task = { ...batch, [queueOptionsSymbol]: { urgent } };
    try {
      return (await this.pool.run(task)) as SessionOutput;
    } catch (error) {
      throw this.closed ? new Error(CLOSED) : new Error(`ONNX Runtime: ${(error as Error).message}`);
    }
  }

  /** Refuses queued work, lets the batches already running finish (terminating a worker mid-run aborts the process), then stops. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close({ force: true });
  }
}
