/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createElasticsearchClient } from '@quarry/search';
import { servicesFromSetup } from './test-env';

/** One GraphQL request over HTTP, as a frontend would send it. */
export async function gql(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

/** A graphql-ws client (subprotocol graphql-transport-ws) that never retries, so failures show. */
export function wsClient(
  base: string,
  connectionParams: Record<string, unknown> = {},
  onClosed?: (event: { code: number; reason: string }) => void,
): Client {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed?.(event as { code: number; reason: string }) },
  });
}

/** The events of one subscription, recorded, with waits that fail instead of hanging. */
export class Recording<T = any> {
  readonly events: T[] = [];
  errors: any;
  completed = false;
  private readonly dispose: () => void;
  private wake?: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.dispose = client.subscribe<any>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors = result.errors;
          else this.events.push(Object.values(result.data ?? {})[0] as T);
          this.wake?.();
        },
        error: (error) => {
          this.errors = error;
          this.wake?.();
        },
        complete: () => {
          this.completed = true;
          this.wake?.();
        },
      },
    );
  }

  /** Waits until `check` holds for the recorded events (or an error or the end arrived). */
  async until(check: (events: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.events)) {
      if (this.errors) throw new Error(`subscription failed: ${JSON.stringify(this.errors)}`);
      if (this.completed)
        throw new Error(`subscription completed early after ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.events;
  }

  /** Waits for the subscription to end with an error (a refused subscription). */
  async refusal(timeoutMs = 10_000): Promise<any> {
    if (!this.errors)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.wake = () => {
          if (!this.errors) return;
          clearTimeout(timer);
          resolve();
        };
      });
    if (!this.errors) throw new Error(`subscription was not refused; events ${JSON.stringify(this.events)}`);
    return this.errors;
  }

  stop(): void {
    this.dispose();
  }
}

/** Live-query entries of an index prefix as stored in Elasticsearch (the registry every instance reloads from). */
export async function liveEntries(
  prefix: string,
): Promise<{ id: string; instance: string; expiresAt: number }[]> {
  const client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 10_000);
  try {
    await client.indices.refresh({ index: `${prefix}-live` });
    const response = await client.search<{ subscription_id: string; instance: string; expires_at: string }>({
      index: `${prefix}-live`,
      size: 10_000,
    });
    return response.hits.hits.map((h) => ({
      id: h._source!.subscription_id,
      instance: h._source!.instance,
      expiresAt: Date.parse(h._source!.expires_at),
    }));
  } finally {
    await client.close();
  }
}
