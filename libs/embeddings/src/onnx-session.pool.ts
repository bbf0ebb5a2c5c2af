import { Worker } from 'node:worker_threads';

/**
 * onnxruntime-node's `session.run` returns a promise but runs the model on the calling thread (it only
 * defers the call with setImmediate): a 32-passage batch held the event loop for seconds. So each session
 * lives in a worker thread of its own, and the main thread only tokenizes, pads and pools.
 *
 * The worker is plain JavaScript evaluated from this string (as the PDF extractor does), so it runs the
 * same under ts-jest and from dist/ without a separate build step for a worker file.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
let session;
ort.InferenceSession.create(workerData.model, workerData.options).then(
  (created) => {
    session = created;
    parentPort.postMessage({ ready: true, inputNames: created.inputNames, outputNames: created.outputNames });
  },
  (error) => parentPort.postMessage({ ready: false, error: String((error && error.message) || error) }),
);
parentPort.on('message', async (task) => {
  let outputs;
  try {
    const shape = [task.batch, task.sequence];
    const feeds = {};
    for (const [name, data] of Object.entries(task.inputs)) feeds[name] = new ort.Tensor('int64', data, shape);
    outputs = await session.run(feeds, [task.output]);
    const output = outputs[task.output];
    const data = Float32Array.from(output.data);
    parentPort.postMessage({ id: task.id, data, dims: output.dims.map(Number) }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String((error && error.message) || error) });
  } finally {
    if (outputs) for (const tensor of Object.values(outputs)) tensor.dispose && tensor.dispose();
  }
});
`;

interface SessionNames {
  inputNames: string[];
  outputNames: string[];
}

export interface SessionOutput {
  data: Float32Array;
  dims: number[];
}

interface Task {
  id: number;
  batch: number;
  sequence: number;
  inputs: Record<string, BigInt64Array>;
  output: string;
  resolve: (output: SessionOutput) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  task?: Task;
}

export interface SessionPoolOptions {
  modelPath: string;
  /** Worker threads, each with its own session. */
  workers: number;
  /** ONNX Runtime intra-op threads per session. */
  threadsPerWorker: number;
}

/**
 * A fixed set of worker threads, each holding one ONNX Runtime session of the same model, fed from one
 * queue. Urgent work (a search query) goes to the front, so a query never waits behind a long ingest
 * but at most for one batch. Idle workers are unref'd, so an idle pool never keeps the process alive.
 */
export class OnnxSessionPool {
  readonly inputNames: string[];
  readonly outputNames: string[];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly workers: PoolWorker[],
    names: SessionNames,
  ) {
    this.inputNames = names.inputNames;
    this.outputNames = names.outputNames;
    for (const entry of workers) this.listen(entry);
  }

  static async start(options: SessionPoolOptions): Promise<OnnxSessionPool> {
    const workers: PoolWorker[] = [];
    try {
      const names = await Promise.all(
        Array.from({ length: Math.max(1, options.workers) }, () => {
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: {
              ort: require.resolve('onnxruntime-node'),
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
          workers.push({ worker });
          return new Promise<SessionNames>((resolve, reject) => {
            worker.once('message', (message: { ready: boolean; error?: string } & SessionNames) =>
              message.ready ? resolve(message) : reject(new Error(message.error)),
            );
            worker.once('error', reject);
          });
        }),
      );
      for (const { worker } of workers) worker.unref();
      return new OnnxSessionPool(workers, names[0]);
    } catch (error) {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
      throw error;
    }
  }

  /** Runs one padded batch; `urgent` work is queued ahead of the rest. */
  run(
    batch: { batch: number; sequence: number; inputs: Record<string, BigInt64Array>; output: string },
    urgent = false,
  ): Promise<SessionOutput> {
    if (this.closed) return Promise.reject(new Error('the embedding model was closed'));
    return new Promise((resolve, reject) => {
      const task: Task = { ...batch, id: this.nextId++, resolve, reject };
      if (urgent) this.queue.unshift(task);
      else this.queue.push(task);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (entry.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      entry.task = task;
      entry.worker.ref();
      // Copied, not transferred: the caller still pools with the attention mask (a batch is ~100 KB).
      entry.worker.postMessage({
        id: task.id,
        batch: task.batch,
        sequence: task.sequence,
        inputs: task.inputs,
        output: task.output,
      });
    }
  }

  private listen(entry: PoolWorker): void {
    entry.worker.on('message', (message: { id: number; error?: string } & SessionOutput) => {
      const task = entry.task;
      if (!task || task.id !== message.id) return;
      entry.task = undefined;
      entry.worker.unref();
      if (message.error) task.reject(new Error(`ONNX Runtime: ${message.error}`));
      else task.resolve({ data: message.data, dims: message.dims });
      this.dispatch();
    });
    const fail = (error: Error) => {
      entry.task?.reject(error);
      entry.task = undefined;
      if (!this.closed) {
        for (const task of this.queue.splice(0)) task.reject(error);
        this.closed = true;
      }
    };
    entry.worker.on('error', fail);
    entry.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`embedding worker exited with code ${code}`));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the embedding model was closed'));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
