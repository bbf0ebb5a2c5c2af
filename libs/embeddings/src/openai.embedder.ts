import { UnavailableError } from '@quarry/core';
import type { Embedder, EmbeddingModelInfo } from './embedder';

export interface OpenAiEmbedderOptions {
  /** Base URL of the server; `/v1/embeddings` is appended (once, if the URL already ends in `/v1`). */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Vector length; when absent, `init()` asks the server with one probe request. */
  dims?: number;
  /** Limit for one HTTP request, connection to last byte. Default 30 000. */
  timeoutMs?: number;
  /** Further attempts after a network error, timeout, 429 or 5xx. Default 3. */
  maxRetries?: number;
  /** Most inputs per request. Default 64. */
  batchSize?: number;
  /** First backoff delay; each retry doubles it (with jitter). Default 500. */
  retryBaseDelayMs?: number;
  /** A longer Retry-After than this is not waited out: the call fails at once. Default 60 000. */
  maxRetryAfterMs?: number;
}

/** A failure of an embedding provider. The message names the provider, the URL and the HTTP status. */
export class EmbeddingProviderError extends UnavailableError {
  constructor(
    readonly provider: string,
    readonly url: string,
    /** What went wrong, in the provider's terms (UnavailableError keeps it out of client answers). */
    readonly detail: string,
    readonly status?: number,
  ) {
    super(`embedding provider ${provider} (POST ${url})`, detail);
    this.name = 'EmbeddingProviderError';
  }
}

interface EmbeddingsResponse {
  data: { embedding: number[]; index: number }[];
}

/** Outcome of one attempt that did not produce vectors. */
interface FailedAttempt {
  error: EmbeddingProviderError;
  retryable: boolean;
  retryAfterMs?: number;
}

const isFailedAttempt = (value: unknown): value is FailedAttempt =>
  typeof value === 'object' &&
  value !== null &&
  (value as FailedAttempt).error instanceof EmbeddingProviderError;

/** Parses `Retry-After` (seconds or an HTTP date) and OpenAI's `retry-after-ms`; undefined when absent. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure-style gateways, vLLM, Ollama, LocalAI,
 * text-embeddings-inference...). Requests go out one batch at a time, which keeps a shared provider's rate
 * limits predictable; a failing batch fails the call.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly endpoint: string;
  private knownDims?: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly batchSize: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.id = `openai:${options.model}`;
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = `${base.endsWith('/v1') ? base : `${base}/v1`}/embeddings`;
    this.knownDims = options.dims;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.batchSize = options.batchSize ?? 64;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
  }

  get dims(): number {
    if (this.knownDims === undefined) throw new Error(`${this.id}: dims are unknown until init() has run`);
    return this.knownDims;
  }

  /** Learns `dims` from the server with one probe request unless the options gave them. */
  async init(signal?: AbortSignal): Promise<void> {
    if (this.knownDims !== undefined) return;
    const [probe] = await this.request(['dimension probe'], signal);
    this.knownDims = probe.length;
  }

  /** What the vector index records. The provider pools; OpenAI's models take no prefixes. */
  get model(): EmbeddingModelInfo {
    return { id: this.id, dims: this.dims, pooling: 'provider', queryPrefix: '', passagePrefix: '' };
  }

  embedQueries(queries: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embed(queries, signal);
  }

  embedPassages(passages: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.embed(passages, signal);
  }

  /** Vectors for any texts, as the provider computes them. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = await this.request(texts.slice(start, start + this.batchSize), signal);
      if (this.knownDims !== undefined && batch.some((vector) => vector.length !== this.knownDims)) {
        throw this.failure(
          `returned vectors of ${batch[0].length} dims where ${this.knownDims} were expected`,
        );
      }
      vectors.push(...batch);
    }
    return vectors;
  }

  async close(): Promise<void> {}

  /** One batch, with retries. */
  private async request(input: string[], signal?: AbortSignal): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(input, signal);
      if (!isFailedAttempt(outcome)) return outcome;
      const { error, retryable, retryAfterMs: retryAfter } = outcome;
      if (!retryable) throw error;
      if (attempt >= this.maxRetries) {
        throw attempt === 0
          ? error
          : this.failure(`${error.detail} (after ${attempt + 1} attempts)`, error.status);
      }
      if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) {
        throw this.failure(
          `${error.detail}; asked to retry after ${Math.ceil(retryAfter / 1000)} s`,
          error.status,
        );
      }
      // Full jitter keeps many clients that failed together from retrying together.
      const backoff = this.retryBaseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await sleep(Math.max(backoff, retryAfter ?? 0), signal);
    }
  }

  private async attempt(input: string[], signal?: AbortSignal): Promise<number[][] | FailedAttempt> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
    const onAbort = (): void => timeout.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let response: Response;
      let body: string;
      try {
        response = await fetch(this.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify({ model: this.options.model, input }),
          signal: timeout.signal,
        });
        body = await response.text();
      } catch (error) {
        signal?.throwIfAborted();
        const reason = timeout.signal.aborted
          ? `timed out after ${this.timeoutMs} ms`
          : `network error: ${describeNetworkError(error)}`;
        return { error: this.failure(reason), retryable: true };
      }
      if (!response.ok) {
        const status = response.status;
        const reason = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}: ${excerpt(body)}`;
        return {
          error: this.failure(reason, status),
          retryable: status === 429 || status >= 500,
          retryAfterMs: retryAfterMs(response.headers),
        };
      }
      return this.parse(body, input.length, response.status);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private parse(body: string, expected: number, status: number): number[][] {
    let parsed: EmbeddingsResponse;
    try {
      parsed = JSON.parse(body) as EmbeddingsResponse;
    } catch {
      throw this.failure(`HTTP ${status} with a body that is not JSON: ${excerpt(body)}`, status);
    }
    const data = parsed?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      const got = Array.isArray(data) ? `${data.length} embeddings` : 'no "data" array';
      throw this.failure(`HTTP ${status} with ${got} for ${expected} inputs`, status);
    }
    const vectors: number[][] = new Array(expected);
    for (const item of data) {
      const valid =
        Number.isInteger(item?.index) &&
        item.index >= 0 &&
        item.index < expected &&
        vectors[item.index] === undefined &&
        Array.isArray(item.embedding) &&
        item.embedding.length > 0 &&
        item.embedding.every((x) => typeof x === 'number' && Number.isFinite(x));
      if (!valid) throw this.failure(`HTTP ${status} with a malformed or duplicate embedding entry`, status);
      vectors[item.index] = item.embedding;
    }
    return vectors;
  }

  private failure(reason: string, status?: number): EmbeddingProviderError {
    return new EmbeddingProviderError(this.id, this.endpoint, reason, status);
  }
}

function describeNetworkError(error: unknown): string {
  // undici wraps the socket error (ECONNREFUSED, ECONNRESET...) as the cause of a generic "fetch failed".
  // Duck-typed rather than instanceof: the error may come from another realm (jest's sandbox, for one).
  const { message, cause } = (error ?? {}) as {
    message?: string;
    cause?: { code?: string; message?: string };
  };
  return cause?.code ?? cause?.message ?? message ?? String(error);
}

function excerpt(body: string, limit = 300): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}
