import { setTimeout as sleep } from 'node:timers/promises';

export interface FetchPolicy {
  requestsPerSecond: number;
  maxRetries: number;
  headers?: Record<string, string>;
  /** Longest Retry-After honoured; a longer one fails the request. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * fetch with a request rate limit (evenly spaced requests), retries with exponential backoff on
 * network errors, 429 and 5xx, and Retry-After honoured when the server sends it.
 */
export class PoliteFetcher {
  private nextSlot = 0;
  /** Requests answered 429 or 5xx and retried, for job reports and tests. */
  retries = 0;

  constructor(private readonly policy: FetchPolicy) {}

  private async slot(signal?: AbortSignal): Promise<void> {
    const interval = 1000 / this.policy.requestsPerSecond;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + interval;
    if (at > now) await sleep(at - now, undefined, { signal });
  }

  async json(url: string, signal?: AbortSignal): Promise<unknown> {
    let lastError = '';
    for (let attempt = 0; attempt <= this.policy.maxRetries; attempt++) {
      await this.slot(signal);
      let wait: number | undefined;
      try {
        const response = await fetch(url, {
          headers: { accept: 'application/json', ...this.policy.headers },
          signal: AbortSignal.any([
            ...(signal ? [signal] : []),
            AbortSignal.timeout(this.policy.timeoutMs ?? 30_000),
          ]),
        });
        if (response.ok) return await response.json();
        lastError = `HTTP ${response.status} from ${url}`;
        if (response.status !== 429 && response.status < 500) throw new FatalFetchError(lastError);
        wait = retryAfterMs(response.headers.get('retry-after'));
        await response.body?.cancel();
        if (wait !== undefined && wait > (this.policy.maxRetryAfterMs ?? 120_000))
          throw new FatalFetchError(`${lastError} asks to retry after ${Math.round(wait / 1000)} s`);
      } catch (error) {
        if (error instanceof FatalFetchError || signal?.aborted) throw error;
        lastError = `${url}: ${(error as Error).message}`;
      }
      if (attempt === this.policy.maxRetries) break;
      this.retries++;
      await sleep(wait ?? Math.min(30_000, 500 * 2 ** attempt), undefined, { signal });
    }
    throw new Error(`${lastError} (after ${this.policy.maxRetries} retries)`);
  }
}

export class FatalFetchError extends Error {}
