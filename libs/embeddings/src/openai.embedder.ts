import { UnavailableError, type QuarryError } from '@quarry/core';
import { EgressPolicy, EgressRefusedError, ResponseTooLargeError, type EgressResponse } from '@quarry/egress';
import { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import type { Logger, LogLevel } from 'openai/client';
import type { Embedder, EmbeddingModelInfo } from './embedder';

export interface OpenAiEmbedderOptions {
  /** Base URL of the server; `/v1/embeddings` is appended (once, if the URL already ends in `/v1`). */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`; without it no Authorization header is sent (Ollama, vLLM). */
  apiKey?: string;
  /** Vector length; when absent, `init()` asks the server with one probe request. */
  dims?: number;
  /** Limit for one HTTP request, connection to last byte. Default 30 000. */
  timeoutMs?: number;
  /** Further attempts after a network error, timeout, 408, 409, 429 or 5xx (the SDK's backoff). Default 3. */
  maxRetries?: number;
  /** Most inputs per request. Default 64. */
  batchSize?: number;
  /** A longer Retry-After than this is not waited out: the call fails at once. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Where the SDK logs (each retry at `info`). Default: the console, at `OPENAI_LOG` or `warn`. */
  logger?: Logger;
  logLevel?: LogLevel;
  /**
   * Where requests may go (QUARRY_FETCH_ALLOW, Quarry's own services refused). The origin of `url` is
   * admitted whatever the policy says, since the operator configured it; a redirect elsewhere is checked.
   * Default: the public internet only.
   */
  egress?: EgressPolicy;
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

/** Parses `Retry-After` (seconds or an HTTP date) and OpenAI's `retry-after-ms`, as the SDK does; undefined when absent. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds > 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** HTTP statuses the SDK retries (besides network errors and timeouts). */
const retriedStatus = (status: number): boolean => [408, 409, 429].includes(status) || status >= 500;

/**
 * An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure-style gateways, vLLM, Ollama, LocalAI,
 * text-embeddings-inference...), through the official `openai` SDK, which retries with backoff and honours
 * Retry-After. Requests go out one batch at a time, which keeps a shared provider's rate limits predictable;
 * a failing batch fails the call.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly endpoint: string;
  private knownDims?: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly batchSize: number;
  private readonly maxRetryAfterMs: number;
  private readonly client: OpenAI;
  /** Body of each failed response, by its headers (the one part of it the SDK's error keeps). */
  private readonly failedBodies = new WeakMap<Headers, string>();
  /** What the egress policy refused, by the headers of the stand-in answer the SDK saw instead. */
  private readonly refusals = new WeakMap<Headers, QuarryError>();
  private readonly egress: EgressPolicy;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.id = `openai:${options.model}`;
    const base = options.url.replace(/\/+$/, '');
    const baseURL = base.endsWith('/v1') ? base : `${base}/v1`;
    this.endpoint = `${baseURL}/embeddings`;
    this.knownDims = options.dims;
    this.egress = (options.egress ?? new EgressPolicy()).trusting(options.url);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.batchSize = options.batchSize ?? 64;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.client = new OpenAI({
      baseURL,
      // Everything is given explicitly, so no OPENAI_* variable of the environment reaches this server.
      // The SDK insists on a key; a keyless server gets none: the header is removed.
      apiKey: options.apiKey || 'none',
      adminAPIKey: null,
      organization: null,
      project: null,
      ...(options.apiKey ? {} : { defaultHeaders: { authorization: null } }),
      timeout: this.timeoutMs,
      maxRetries: this.maxRetries,
      fetch: (url, init) => this.fetchWhole(url, init),
      logger: options.logger,
      logLevel: options.logLevel,
    });
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

  async close(): Promise<void> {
    await this.egress.close();
  }

  /** The provider's tokenizer is not at hand, so whether a word is known cannot be told: the floor keeps its one bar. */
  knownWordShare(): number | undefined {
    return undefined;
  }

  /** One batch; the SDK retries it. */
  private async request(input: string[], signal?: AbortSignal): Promise<number[][]> {
    let data: unknown;
    let status: number;
    try {
      // `float`: the SDK would ask for base64 and decode it blindly, which garbles the vectors of a
      // compatible server that ignores `encoding_format` and answers with numbers.
      const call = this.client.embeddings
        .create({ model: this.options.model, input, encoding_format: 'float' }, { signal })
        .withResponse();
      // The SDK notices an abort only between its backoff sleeps; the caller is answered at once.
      ({
        data,
        response: { status },
      } = await untilAborted(call, signal));
    } catch (error) {
      signal?.throwIfAborted();
      throw this.describe(error);
    }
    return this.parse(data, input.length, status);
  }

  /**
   * The SDK's fetch, through the egress policy, reading the whole body before answering: the SDK's timer
   * then bounds the exchange up to the last byte (it stops at the headers otherwise). A failed response
   * keeps its body for the error, and one that asks for a longer wait than `maxRetryAfterMs` is marked not
   * to be retried (`x-should-retry`). What the policy refuses is answered with a stand-in 403 that is not
   * retried either, and reported as the refusal.
   */
  private async fetchWhole(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    let response: EgressResponse;
    try {
      response = await this.egress.fetch(typeof url === 'string' || url instanceof URL ? url : url.url, {
        method: init?.method,
        headers: init?.headers as Record<string, string> | Headers | undefined,
        body: init?.body as string | Uint8Array | undefined,
        signal: init?.signal ?? undefined,
      });
    } catch (error) {
      if (error instanceof EgressRefusedError || error instanceof ResponseTooLargeError) {
        const standIn = new Response(error.message, { status: 403, headers: { 'x-should-retry': 'false' } });
        this.refusals.set(standIn.headers, error);
        return standIn;
      }
      throw ownRealm(error);
    }
    const { status, statusText, headers, body } = response;
    const ok = status >= 200 && status < 300;
    if (!ok) {
      const wait = retryAfterMs(headers);
      if (wait !== undefined && wait > this.maxRetryAfterMs) headers.set('x-should-retry', 'false');
    }
    const whole = new Response([204, 205, 304].includes(status) ? null : body, {
      status,
      statusText,
      headers,
    });
    if (!ok) this.failedBodies.set(whole.headers, body.toString('utf8'));
    return whole;
  }

  /** The SDK's error in the provider's terms: what happened, the status, the body, how many attempts. */
  private describe(error: unknown): QuarryError {
    const attempts = this.maxRetries + 1;
    const afterRetries = (reason: string): string =>
      attempts > 1 ? `${reason} (after ${attempts} attempts)` : reason;
    if (error instanceof APIConnectionTimeoutError) {
      return this.failure(afterRetries(`timed out after ${this.timeoutMs} ms`));
    }
    if (error instanceof APIConnectionError) {
      return this.failure(afterRetries(`network error: ${describeNetworkError(error.cause ?? error)}`));
    }
    if (error instanceof APIError && error.status !== undefined && error.headers !== undefined) {
      const { status, headers } = error;
      const refusal = this.refusals.get(headers);
      if (refusal) return refusal;
      const body = this.failedBodies.get(headers) ?? error.message;
      const reason = `HTTP ${status}: ${excerpt(body)}`;
      const wait = retryAfterMs(headers);
      if (wait !== undefined && wait > this.maxRetryAfterMs) {
        return this.failure(`${reason}; asked to retry after ${Math.ceil(wait / 1000)} s`, status);
      }
      return this.failure(retriedStatus(status) ? afterRetries(reason) : reason, status);
    }
    // A 2xx the SDK could not read (JSON that does not parse, for one).
    return this.failure(`unreadable answer: ${(error as Error)?.message ?? String(error)}`);
  }

  private parse(body: unknown, expected: number, status: number): number[][] {
    if (typeof body === 'string') {
      throw this.failure(`HTTP ${status} with a body that is not JSON: ${excerpt(body)}`, status);
    }
    const data = (body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      const got = Array.isArray(data) ? `${data.length} embeddings` : 'no "data" array';
      throw this.failure(`HTTP ${status} with ${got} for ${expected} inputs`, status);
    }
    const vectors: number[][] = new Array(expected);
    for (const item of data as { embedding?: unknown; index?: unknown }[]) {
      const { embedding, index } = item ?? {};
      const valid =
        typeof index === 'number' &&
        Number.isInteger(index) &&
        index >= 0 &&
        index < expected &&
        vectors[index] === undefined &&
        Array.isArray(embedding) &&
        embedding.length > 0 &&
        embedding.every((x) => typeof x === 'number' && Number.isFinite(x));
      if (!valid) throw this.failure(`HTTP ${status} with a malformed or duplicate embedding entry`, status);
      vectors[index] = embedding as number[];
    }
    return vectors;
  }

  private failure(reason: string, status?: number): EmbeddingProviderError {
    return new EmbeddingProviderError(this.id, this.endpoint, reason, status);
  }
}

/** `promise`, or the signal's reason as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The error as one of this realm's Errors. The SDK tells a timeout (an `AbortError`) from a network error
 * only for an `instanceof Error`; undici's DOMException comes from Node's realm, which is another one
 * under jest.
 */
function ownRealm(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const { name, message, cause } = error as { name?: string; message?: string; cause?: unknown };
  return Object.assign(new Error(message ?? String(error), { cause }), { name: name ?? 'Error' });
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
