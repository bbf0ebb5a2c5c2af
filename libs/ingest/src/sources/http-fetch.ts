import { setTimeout as sleep } from 'node:timers/promises';
import { EgressRefusedError, ResponseTooLargeError, type EgressPolicy } from '@quarry/egress';

export interface FetchPolicy {
  requestsPerSecond: number;
  maxRetries: number;
  headers?: Record<string, string>;
  /** Longest Retry-After honoured; a longer one fails the request. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  /** Largest response body read (bytes); default the egress policy's (50 MiB). */
  maxBytes?: number;
  /** `same-origin`: a redirect off the first URL's origin fails the request (the crawler stays on its site). */
  redirects?: 'follow' | 'same-origin';
}

export interface FetchedResponse {
  status: number;
  /** The URL answered, after redirects. */
  url: string;
  headers: Headers;
  body: Buffer;
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class FatalFetchError extends Error {}

/**
 * fetch with a request rate limit (evenly spaced requests), retries with exponential backoff on
 * network errors, 429 and 5xx, and Retry-After honoured when the server sends it. Every request goes
 * through the egress policy (addresses, redirects, credentials on other origins, body size); what the
 * policy refuses is not retried.
 */
export class PoliteFetcher {
  private nextSlot = 0;
  /** Requests answered 429 or 5xx (or not at all) and retried. */
  retries = 0;

  constructor(
    private readonly policy: FetchPolicy,
    private readonly egress: EgressPolicy,
  ) {}

  private async slot(signal?: AbortSignal): Promise<void> {
    const interval = 1000 / this.policy.requestsPerSecond;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + interval;
    if (at > now) await sleep(at - now, undefined, { signal });
  }

  /** Waits at least this long before the next request (a robots.txt Crawl-delay). */
  slowDown(minIntervalMs: number): void {
    this.policy.requestsPerSecond = Math.min(this.policy.requestsPerSecond, 1000 / minIntervalMs);
  }

  /**
   * One GET, retried while the answer is 429/5xx or none; any other status (200, 304, 404...) is
   * returned as it is.
   */
  async get(
    url: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<FetchedResponse> {
    let lastError = '';
    for (let attempt = 0; attempt <= this.policy.maxRetries; attempt++) {
      await this.slot(signal);
      let wait: number | undefined;
      try {
        const response = await this.egress.fetch(url, {
          headers: { ...this.policy.headers, ...headers },
          signal: AbortSignal.any([
            ...(signal ? [signal] : []),
            AbortSignal.timeout(this.policy.timeoutMs ?? 30_000),
          ]),
          maxBytes: this.policy.maxBytes,
          redirects: this.policy.redirects,
        });
        if (response.status !== 429 && response.status < 500) return response;
        lastError = `HTTP ${response.status} from ${url}`;
        wait = retryAfterMs(response.headers.get('retry-after'));
        if (wait !== undefined && wait > (this.policy.maxRetryAfterMs ?? 120_000))
          throw new FatalFetchError(`${lastError} asks to retry after ${Math.round(wait / 1000)} s`);
      } catch (error) {
        if (
          error instanceof FatalFetchError ||
          error instanceof EgressRefusedError ||
          error instanceof ResponseTooLargeError ||
          signal?.aborted
        )
          throw error;
        // undici's "fetch failed" says nothing; its cause names the socket error (ECONNREFUSED...).
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        lastError = `${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
      }
      if (attempt === this.policy.maxRetries) break;
      this.retries++;
      await sleep(wait ?? Math.min(30_000, 500 * 2 ** attempt), undefined, { signal });
    }
    throw new Error(`${lastError} (after ${this.policy.maxRetries} retries)`);
  }

  /** GET of a JSON document; any status but 2xx fails. */
  async json(url: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.get(url, { accept: 'application/json' }, signal);
    if (response.status < 200 || response.status >= 300)
      throw new FatalFetchError(`HTTP ${response.status} from ${url}`);
    try {
      return JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      throw new FatalFetchError(`${url}: not JSON (${(error as Error).message})`);
    }
  }
}
