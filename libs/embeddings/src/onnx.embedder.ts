import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import type * as TokenizersModule from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import type { Embedder, EmbeddingModelInfo } from './embedder';
import { planBatches, type BatchLimits } from './batch-plan';
import { padBatch, poolBatch, truncateIds } from './pooling';
import { englishWords, knownWordShare } from './known-words';
import { ModelFileError, type ModelSource } from './model-store';
import { OnnxSessionPool } from './onnx-session.pool';

// The package is an ES module with a CommonJS build beside it: Node's require() picks that build, while
// TypeScript (node16 resolution in a CommonJS project) would refuse a static import of its ES types.
const { Tokenizer } = require('@huggingface/tokenizers') as typeof TokenizersModule;
type Tokenizer = InstanceType<typeof Tokenizer>;

export interface OnnxEmbedderOptions {
  /** Worker threads, each with its own ONNX Runtime session. Default: 2, or 1 on a single core. */
  workers?: number;
  /** ONNX Runtime threads per session. Default: the CPU count shared out among the workers. */
  threadsPerWorker?: number;
  /** Most texts in one model run. Default 16 (so one ingest call keeps every worker busy). */
  maxBatchTexts?: number;
  /** Most padded tokens (texts × longest) in one model run. Default 4096. */
  maxBatchTokens?: number;
}

/** Tokenizing is synchronous JavaScript: the event loop gets a turn after this many texts. */
const TEXTS_PER_TURN = 4;

/**
 * A sentence-embedding model on ONNX Runtime, with the model's own tokenizer.json read by Hugging Face's
 * tokenizers library. Model runs happen in worker threads (onnx-session.pool.ts), so the event loop only
 * tokenizes (about 1 ms per 500-token text), pads and pools. A batch's texts are run together; the
 * batches of one call run on all workers at once, and queries go ahead of queued passages.
 *
 * Texts are cut at the model's token limit (keeping the final [SEP]), grouped by length into padded
 * batches, and pooled per the model's recipe (mean over real tokens or [CLS]), then normalised.
 */
export class OnnxEmbedder implements Embedder {
  readonly model: EmbeddingModelInfo;
  private readonly limits: BatchLimits;
  private readonly feedsTokenTypes: boolean;
  private readonly outputName: string;

  private constructor(
    private readonly source: ModelSource,
    private readonly pool: OnnxSessionPool,
    private readonly tokenizer: Tokenizer,
    dims: number,
    options: OnnxEmbedderOptions,
  ) {
    this.model = {
      id: `local:${source.id}`,
      dims,
      pooling: source.pooling,
      queryPrefix: source.queryPrefix,
      passagePrefix: source.passagePrefix,
      ...(source.similarityFloor === undefined ? {} : { similarityFloor: source.similarityFloor }),
    };
    this.limits = { maxTexts: options.maxBatchTexts ?? 16, maxTokens: options.maxBatchTokens ?? 4096 };
    this.feedsTokenTypes = pool.inputNames.includes('token_type_ids');
    this.outputName = pool.outputNames.includes('last_hidden_state')
      ? 'last_hidden_state'
      : pool.outputNames[0];
  }

  get id(): string {
    return this.model.id;
  }

  get dims(): number {
    return this.model.dims;
  }

  /** Loads the tokenizer and the ONNX session and runs one probe (which also learns a user model's dims). */
  static async load(source: ModelSource, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(source.tokenizerPath, 'utf8')) as object, {});
    } catch (error) {
      throw new ModelFileError(
        `embedding model "${source.id}": cannot read ${source.tokenizerPath}: ${(error as Error).message}`,
      );
    }
    const cores = availableParallelism();
    const workers = options.workers ?? Math.min(2, cores);
    let pool: OnnxSessionPool;
    try {
      pool = await OnnxSessionPool.start({
        modelPath: source.onnxPath,
        workers,
        threadsPerWorker: options.threadsPerWorker ?? Math.max(1, Math.floor(cores / workers)),
      });
    } catch (error) {
      throw new ModelFileError(
        `embedding model "${source.id}": ONNX Runtime cannot load ${source.onnxPath}: ${(error as Error).message}`,
      );
    }
    const embedder = new OnnxEmbedder(source, pool, tokenizer, source.dims, options);
    const [probe] = await embedder.run(['dimension probe'], true);
    if (source.dims && probe.length !== source.dims) {
      await pool.close();
      throw new ModelFileError(
        `embedding model "${source.id}" produced ${probe.length}-dimensional vectors, expected ${source.dims}`,
      );
    }
    if (!source.dims) (embedder.model as { dims: number }).dims = probe.length;
    // Read at start-up, not by the first query that needs it.
    englishWords();
    return embedder;
  }

  embedQueries(queries: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embedWith(this.source.queryPrefix, queries, true, signal);
  }

  embedPassages(passages: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embedWith(this.source.passagePrefix, passages, false, signal);
  }

  private async embedWith(
    prefix: string,
    texts: string[],
    urgent: boolean,
    signal?: AbortSignal,
  ): Promise<number[][]> {
    signal?.throwIfAborted();
    if (texts.length === 0) return [];
    const vectors = await this.run(
      texts.map((text) => prefix + text),
      urgent,
      signal,
    );
    return vectors.map((vector) => Array.from(vector));
  }

  /** Token ids of one text, cut at the model's limit. Very long texts are cut before tokenizing (cheaper). */
  tokenize(text: string): number[] {
    // No English token is shorter than a character, and few models read more than 512 tokens: 16
    // characters per token keeps every token the model could read.
    const head = text.length > this.source.maxTokens * 16 ? text.slice(0, this.source.maxTokens * 16) : text;
    return truncateIds(this.tokenizer.encode(head).ids, this.source.maxTokens);
  }

  private async run(texts: string[], urgent: boolean, signal?: AbortSignal): Promise<Float32Array[]> {
    const ids: number[][] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % TEXTS_PER_TURN === 0) {
        await nextTurn();
        signal?.throwIfAborted();
      }
      ids.push(this.tokenize(texts[i]));
    }
    const vectors: Float32Array[] = new Array(texts.length);
    const batches = planBatches(
      ids.map((sequence) => sequence.length),
      this.limits,
    );
    await Promise.all(
      batches.map(async (batch) => {
        const pooled = await this.runBatch(
          batch.map((index) => ids[index]),
          urgent,
        );
        batch.forEach((index, row) => (vectors[index] = pooled[row]));
      }),
    );
    signal?.throwIfAborted();
    return vectors;
  }

  private async runBatch(sequences: number[][], urgent: boolean): Promise<Float32Array[]> {
    const { inputIds, attentionMask, tokenTypeIds, sequence } = padBatch(sequences);
    const inputs: Record<string, BigInt64Array> = { input_ids: inputIds, attention_mask: attentionMask };
    if (this.feedsTokenTypes) inputs.token_type_ids = tokenTypeIds;
    const output = await this.pool.run(
      { batch: sequences.length, sequence, inputs, output: this.outputName },
      urgent,
    );
    if (output.dims.length === 2) {
      // Already pooled by the graph (a sentence_embedding output): only normalise.
      return poolBatch(
        output.data,
        attentionMask,
        { batch: sequences.length, sequence: 1, dims: output.dims[1] },
        'cls',
        true,
      );
    }
    return poolBatch(
      output.data,
      attentionMask,
      { batch: sequences.length, sequence, dims: output.dims[2] },
      this.source.pooling,
      this.source.normalize,
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  // The relevance floor's signal (libs/search/src/relevance-floor.ts), apart from embedding.

  /**
   * A word is known when the tokenizer keeps it as one vocabulary token (not the unknown one), or
   * when it is a real word the vocabulary lacks (known-words.ts); a made-up one falls into pieces
   * ("xqzvy" → x ##q ##z ##vy) and is in no word list. 3-6 µs a word on the main thread (12-32 µs
   * for a query of 2-9 words, as much as tokenizing it for the model), so it runs inline, not in a
   * worker.
   */
  knownWordShare(text: string): number | undefined {
    return knownWordShare(text, (word) => {
      const pieces = this.tokenizer.tokenize(word);
      return pieces.length === 1 && !UNKNOWN_TOKEN.test(pieces[0]);
    });
  }
}

const UNKNOWN_TOKEN = /^(\[UNK\]|<unk>)$/i;
