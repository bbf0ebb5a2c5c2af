import { availableParallelism } from 'node:os';
import type { Embedder } from './embedder';
import { planBatches, type BatchLimits } from './batch-plan';
import { USE_LITE_DIMS, USE_LITE_MAX_TOKENS, type TfBackendName } from './use-lite.model-info';
import { UseLiteWorkerPool } from './use-lite.pool';

export const LOCAL_EMBEDDER_ID = 'local:use-lite-512';

export interface LocalEmbedderOptions {
  /** Model worker threads; default: the CPU count, at most 4 (each takes one core and ~100-200 MB). */
  workers?: number;
  /** tfjs backend in the workers; `cpu` exists only as the benchmark's baseline. Default `wasm`. */
  backend?: TfBackendName;
  /** Replace the WASM backend's batched matrix product (wasm-batch-matmul.kernel.ts). Default true. */
  fastBatchMatMul?: boolean;
  /** Most texts per model run. Default 64. */
  maxBatchTexts?: number;
  /** Most padded tokens (texts × longest) per model run. Default 1024. */
  maxBatchTokens?: number;
}

export function defaultLocalWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * The offline default: Universal Sentence Encoder lite (512 dims) on tfjs's WASM backend, in a pool of
 * worker threads. The model loads once per worker on first use or on `warmUp()`.
 *
 * Vectors are unit length and the same texts in the same call always give bit-identical vectors. The same
 * text in calls with different neighbours can differ by about 1e-7 per component, because it may be
 * padded to a different length in its batch.
 */
export class LocalEmbedder implements Embedder {
  readonly id = LOCAL_EMBEDDER_ID;
  readonly dims = USE_LITE_DIMS;
  readonly workers: number;
  private readonly pool: UseLiteWorkerPool;
  private readonly limits: BatchLimits;

  constructor(options: LocalEmbedderOptions = {}) {
    this.workers = options.workers ?? defaultLocalWorkers();
    const backend = options.backend ?? 'wasm';
    this.pool = new UseLiteWorkerPool(
      this.workers,
      { backend, fastBatchMatMul: backend === 'wasm' && (options.fastBatchMatMul ?? true) },
      `embedder ${this.id}`,
    );
    this.limits = {
      maxTexts: options.maxBatchTexts ?? 64,
      maxTokens: options.maxBatchTokens ?? 1024,
      parallelism: this.workers,
      maxSequence: USE_LITE_MAX_TOKENS,
    };
  }

  /** Starts the workers and loads the model in each, so that the first embed() pays nothing extra. */
  warmUp(): Promise<void> {
    return this.pool.start();
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    if (texts.length === 0) return [];
    const batches = planBatches(texts, this.limits);
    const results = await Promise.all(
      batches.map((batch) =>
        this.pool.run(
          batch.map((index) => texts[index]),
          signal,
        ),
      ),
    );
    const vectors: number[][] = new Array(texts.length);
    batches.forEach((batch, b) => {
      batch.forEach((index, row) => {
        vectors[index] = Array.from(results[b].subarray(row * this.dims, (row + 1) * this.dims));
      });
    });
    return vectors;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
