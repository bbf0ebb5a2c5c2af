/**
 * Turns texts into vectors. Quarry computes embeddings in the app (not in Elasticsearch), so
 * the vector index works on any Elasticsearch 8 without paid features.
 */
export interface Embedder {
  /** Stable identity of model + provider; stored with the vector index so a switch is detected. */
  readonly id: string;
  /** Length of every vector `embed` returns; the vector index's `dims` follow it. */
  readonly dims: number;
  /** One vector per text, in order. Rejects with an Error naming the provider when it fails. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  /** Releases workers, sockets and model memory. */
  close(): Promise<void>;
}
