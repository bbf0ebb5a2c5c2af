import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type * as TokenizersModule from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import type { Embedder, EmbeddingModelInfo } from './embedder';
import { planBatches, type BatchLimits } from './batch-plan';
import { padBatch, poolBatch, truncateIds } from './pooling';
import { ModelFileError, type ModelSource } from './model-store';

export interface OnnxEmbedderOptions {
  /** Threads ONNX Runtime uses inside one model run. Default: the CPU count, at most 4. */
  threads?: number;
  /** Most texts in one model run. Default 32. */
  maxBatchTexts?: number;
  /** Most padded tokens (texts × longest) in one model run. Default 8192. */
  maxBatchTokens?: number;
}

// The package is an ES module with a CommonJS build beside it: Node's require() picks that build, while
// TypeScript (node16 resolution in a CommonJS project) would refuse a static import of its ES types.
const { Tokenizer } = require('@huggingface/tokenizers') as typeof TokenizersModule;
type Tokenizer = InstanceType<typeof Tokenizer>;

/** Tokenizing is synchronous JavaScript: the event loop gets a turn after this many texts. */
const TEXTS_PER_TURN = 16;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A sentence-embedding model on ONNX Runtime, with the model's own tokenizer.json read by Hugging Face's
 * tokenizers library. Model runs happen on ONNX Runtime's native threads (`session.run` is asynchronous),
 * so the event loop only tokenizes (about 1 ms per 500-token text) and pools.
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
    private readonly session: ort.InferenceSession,
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
    };
    this.limits = { maxTexts: options.maxBatchTexts ?? 32, maxTokens: options.maxBatchTokens ?? 8192 };
    this.feedsTokenTypes = session.inputNames.includes('token_type_ids');
    this.outputName = session.outputNames.includes('last_hidden_state')
      ? 'last_hidden_state'
      : session.outputNames[0];
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
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(source.onnxPath, {
        intraOpNumThreads: options.threads ?? Math.max(1, Math.min(4, availableParallelism())),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // ONNX Runtime's threads busy-wait for work by default. Quarry shares its cores with
        // Elasticsearch and the event loop: measured on 2 busy cores, spinning threads made a short
        // query take 49 ms (p50) instead of 11 ms and passages 6 instead of 10 per second.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
    } catch (error) {
      throw new ModelFileError(
        `embedding model "${source.id}": ONNX Runtime cannot load ${source.onnxPath}: ${(error as Error).message}`,
      );
    }
    const embedder = new OnnxEmbedder(source, session, tokenizer, source.dims, options);
    const [probe] = await embedder.run(['dimension probe']);
    if (source.dims && probe.length !== source.dims) {
      await session.release();
      throw new ModelFileError(
        `embedding model "${source.id}" produced ${probe.length}-dimensional vectors, expected ${source.dims}`,
      );
    }
    if (!source.dims) (embedder.model as { dims: number }).dims = probe.length;
    return embedder;
  }

  embedQueries(queries: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embedWith(this.source.queryPrefix, queries, signal);
  }

  embedPassages(passages: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embedWith(this.source.passagePrefix, passages, signal);
  }

  private async embedWith(prefix: string, texts: string[], signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    if (texts.length === 0) return [];
    const vectors = await this.run(
      texts.map((text) => prefix + text),
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

  private async run(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const ids: number[][] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % TEXTS_PER_TURN === 0) {
        await yieldToEventLoop();
        signal?.throwIfAborted();
      }
      ids.push(this.tokenize(texts[i]));
    }
    const vectors: Float32Array[] = new Array(texts.length);
    for (const batch of planBatches(
      ids.map((sequence) => sequence.length),
      this.limits,
    )) {
      signal?.throwIfAborted();
      const pooled = await this.runBatch(batch.map((index) => ids[index]));
      batch.forEach((index, row) => (vectors[index] = pooled[row]));
    }
    return vectors;
  }

  private async runBatch(sequences: number[][]): Promise<Float32Array[]> {
    const { inputIds, attentionMask, tokenTypeIds, sequence } = padBatch(sequences);
    const shape = [sequences.length, sequence];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, shape),
      attention_mask: new ort.Tensor('int64', attentionMask, shape),
    };
    if (this.feedsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', tokenTypeIds, shape);
    const outputs = await this.session.run(feeds);
    const output = outputs[this.outputName];
    try {
      const states = output.data as Float32Array;
      if (output.dims.length === 2) {
        // Already pooled by the graph (a sentence_embedding output): only normalise.
        const dims = Number(output.dims[1]);
        return poolBatch(states, attentionMask, { batch: sequences.length, sequence: 1, dims }, 'cls', true);
      }
      const dims = Number(output.dims[2]);
      return poolBatch(
        states,
        attentionMask,
        { batch: sequences.length, sequence, dims },
        this.source.pooling,
        this.source.normalize,
      );
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose();
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
