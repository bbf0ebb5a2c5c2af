import type { UseLiteModelOptions } from './use-lite.model';

/** What the pool hands a model worker at start-up (its `workerData`). */
export type UseLiteWorkerData = UseLiteModelOptions;

/** Pool → worker. The pool sends a worker its next batch only after the previous one was answered. */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

/** Worker → pool. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array }
  | { type: 'error'; id: number; message: string };
