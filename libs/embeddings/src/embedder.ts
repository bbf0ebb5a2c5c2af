import type { Pooling } from './model-manifest';

/**
 * What produced a set of vectors. The vector index records it (mappings `_meta`), so vectors of two
 * models are never mixed: start-up compares it with the configured embedder's.
 */
export interface EmbeddingModelInfo {
  /** Stable identity of provider + model, e.g. `local:e5-small-v2` or `openai:text-embedding-3-small`. */
  id: string;
  dims: number;
  /** `provider` when a remote service pools (OpenAI-compatible). */
  pooling: Pooling | 'provider';
  /** Put in front of queries / passages before embedding ('' for none). */
  queryPrefix: string;
  passagePrefix: string;
  /** Cosine that unrelated pairs rarely reach with this model (model-manifest.ts); unknown for others. */
  similarityFloor?: number;
}

/**
 * Turns texts into vectors. Quarry computes embeddings in the app (not in Elasticsearch), so the vector
 * index works on any Elasticsearch 8 without paid features. Retrieval models embed a search query and a
 * stored passage differently (e5's `query: ` / `passage: `, bge's query instruction), so callers say
 * which they have.
 */
export interface Embedder {
  /** Same as `model.id`. */
  readonly id: string;
  /** Same as `model.dims`: the vector index's `dims` follow it. */
  readonly dims: number;
  readonly model: EmbeddingModelInfo;
  /** One vector per search query, in order. Rejects with an Error naming the provider when it fails. */
  embedQueries(queries: string[], signal?: AbortSignal): Promise<number[][]>;
  /** One vector per stored text (document chunk), in order. */
  embedPassages(passages: string[], signal?: AbortSignal): Promise<number[][]>;
  /** Releases sessions, sockets and model memory. */
  close(): Promise<void>;

  /**
   * The share (0-1) of the text's words that the model knows as words: its tokenizer keeps them
   * whole or they are real words it splits (known-words.ts), where a made-up word ("xqzvy") falls
   * apart into fragments. The relevance floor (libs/search/src/relevance-floor.ts) asks it of a
   * query that shares no word with the collection; undefined when the embedder cannot tell (a
   * remote model's tokenizer is not at hand), and for a text without words. Required, so that a wrapper (embeddings.module.ts's timing) cannot drop it.
   */
  knownWordShare(text: string): number | undefined;
}
