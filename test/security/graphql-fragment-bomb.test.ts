/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { once } from 'node:events';
import WebSocket from 'ws';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql, wsClient } from '../support/graphql';
import { dropIndices, testConfig } from '../support/test-env';

/**
 * Issue 20, row 1: a ~1 KB query of nested fragment spreads (`fragment F0 on Query { ...F1 ...F1 }`,
 * 22 levels, each doubling) froze the server for 10.8 s, before authentication, over HTTP and
 * graphql-ws; `/health` stalled with it. The server runs in this process, so a blocked event loop
 * shows both in the `/health` probes and in the event-loop delay measured here.
 */
const KEY = 'fb-reader-key';

/** `levels` fragments, each spreading the next one twice: 2^levels fields once expanded. */
function fragmentBomb(levels: number): string {
  const fragments = Array.from(
    { length: levels },
    (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return [`query Bomb { ...F0 }`, ...fragments, `fragment F${levels} on Query { __typename }`].join('\n');
}

const CYCLE = `query Cycle { ...F0 } fragment F0 on Query { __typename ...F1 } fragment F1 on Query { ...F0 }`;

const codes = (body: any): string[] => (body?.errors ?? []).map((e: any) => e.extensions?.code);

/** The most a probe waited, the worst event-loop delay, and the attack's own result. */
interface Watched<T> {
  result: T;
  probes: number;
  slowestProbeMs: number;
  maxLoopDelayMs: number;
}

describe('GraphQL fragment bomb (issue 20, row 1)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_API_KEYS: `${KEY}:reader` }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  /**
   * Runs `attack` while a loop probes `/health` one request after another (at least once, at most
   * 200 times) and the event-loop delay of this process, where the server runs, is recorded.
   */
  async function watched<T>(attack: () => Promise<T>): Promise<Watched<T>> {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    let settled = false;
    const running = attack().finally(() => (settled = true));
    let probes = 0;
    let slowestProbeMs = 0;
    try {
      while ((!settled || probes === 0) && probes < 200) {
        const started = performance.now();
        const health = await fetch(`${server.url}/health`);
        await health.arrayBuffer();
        expect(health.status).toBe(200);
        slowestProbeMs = Math.max(slowestProbeMs, performance.now() - started);
        probes++;
      }
      return { result: await running, probes, slowestProbeMs, maxLoopDelayMs: histogram.max / 1e6 };
    } finally {
      histogram.disable();
    }
  }

  function expectResponsive(watch: Watched<unknown>): void {
    expect(watch.probes).toBeGreaterThan(0);
    expect(watch.slowestProbeMs).toBeLessThan(1_000);
    expect(watch.maxLoopDelayMs).toBeLessThan(100);
  }

  /** The same attack five times in a row, so the probes overlap it. */
  const fiveTimes = async <T>(attack: () => Promise<T>): Promise<T[]> => {
    const results: T[] = [];
    for (let i = 0; i < 5; i++) results.push(await attack());
    return results;
  };

  describe.each([22, 40])('%i levels', (levels) => {
    const query = fragmentBomb(levels);

    it('is about 1 KB', () => {
      expect(query.length).toBeLessThan(2_000);
    });

    it('over HTTP without a key: 401 before the document is looked at', async () => {
      const watch = await watched(() => fiveTimes(() => gql(server.url, query)));
      for (const response of watch.result) {
        expect(response.status).toBe(401);
        expect(codes(response.body)).toEqual(['UNAUTHENTICATED']);
      }
      expectResponsive(watch);
    }, 60_000);

    it('over HTTP with a wrong key: 401', async () => {
      const watch = await watched(() =>
        fiveTimes(() => gql(server.url, query, {}, { authorization: 'Bearer not-a-key' })),
      );
      for (const response of watch.result) {
        expect(response.status).toBe(401);
        expect(codes(response.body)).toEqual(['UNAUTHENTICATED']);
        expect(response.body.errors[0].message).toMatch(/not valid/);
      }
      expectResponsive(watch);
    }, 60_000);

    it('over HTTP with a valid key: 400 naming the limit', async () => {
      const watch = await watched(() => fiveTimes(() => gql(server.url, query, {}, { 'x-api-key': KEY })));
      for (const response of watch.result) {
        expect(response.status).toBe(400);
        expect(codes(response.body)).toContain('GRAPHQL_VALIDATION_FAILED');
        expect(response.body.data).toBeUndefined();
        expect(JSON.stringify(response.body.errors)).toMatch(
          /query selects over \d+ fields, more than the limit of 1000/,
        );
      }
      expectResponsive(watch);
    }, 60_000);

    it('over graphql-ws without a key: the connection is refused, the subscribe never read', async () => {
      const watch = await watched(() =>
        fiveTimes(async () => {
          const socket = new WebSocket(
            `${server.url.replace(/^http/, 'ws')}/graphql`,
            'graphql-transport-ws',
          );
          await once(socket, 'open');
          const closed = once(socket, 'close');
          // The subscribe does not wait for the acknowledgement it will never get.
          socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
          const messages: string[] = [];
          socket.on('message', (data) => messages.push(String(data)));
          const [code, reason] = (await closed) as [number, Buffer];
          return { code, reason: String(reason), messages };
        }),
      );
      for (const outcome of watch.result) {
        expect(outcome.code).toBe(4401);
        // graphql-ws closes a socket that subscribes before it was acknowledged ("Unauthorized");
        // had the subscribe waited, the connection_init would have been refused by name.
        expect(outcome.reason).toMatch(/^Unauthorized$|credentials are required/);
        expect(outcome.messages).toEqual([]);
      }
      expectResponsive(watch);
    }, 60_000);

    it('over graphql-ws with a valid key: an error naming the limit', async () => {
      const client = wsClient(server.url, { apiKey: KEY });
      try {
        const watch = await watched(() =>
          fiveTimes(
            () =>
              new Promise<any>((resolve, reject) => {
                client.subscribe(
                  { query },
                  {
                    next: () => reject(new Error('the query ran')),
                    error: resolve,
                    complete: () => resolve([]),
                  },
                );
              }),
          ),
        );
        for (const errors of watch.result) {
          expect(new Set(errors.map((e: any) => e.extensions?.code))).toEqual(
            new Set(['GRAPHQL_VALIDATION_FAILED']),
          );
          expect(JSON.stringify(errors)).toMatch(
            /query selects over \d+ fields, more than the limit of 1000/,
          );
        }
        expectResponsive(watch);
      } finally {
        await client.dispose();
      }
    }, 60_000);
  });

  it('refuses a fragment cycle (F0 → F1 → F0) with a 400 naming it, over HTTP and graphql-ws', async () => {
    const response = await gql(server.url, CYCLE, {}, { 'x-api-key': KEY });
    expect(response.status).toBe(400);
    expect(codes(response.body)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response.body.errors)).toMatch(/fragment cycle: F0 → F1 → F0/);

    const client = wsClient(server.url, { apiKey: KEY });
    try {
      const errors = await new Promise<any>((resolve, reject) => {
        client.subscribe(
          { query: CYCLE },
          { next: () => reject(new Error('the query ran')), error: resolve, complete: () => resolve([]) },
        );
      });
      expect(errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(errors[0].message).toMatch(/fragment cycle: F0 → F1 → F0/);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a long chain spread many times: few fields, but a million spreads to expand', async () => {
    // 800 spreads of F0, and F0 → F1 → ... → F799 → one field: 800 fields, 640,000 spreads.
    const chain = Array.from({ length: 800 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`);
    const query = [
      `query Chain { ${Array.from({ length: 800 }, () => '...F0').join(' ')} }`,
      ...chain,
      `fragment F800 on Query { __typename }`,
    ].join('\n');
    const watch = await watched(() => gql(server.url, query, {}, { 'x-api-key': KEY }));
    expect(watch.result.status).toBe(400);
    expect(JSON.stringify(watch.result.body.errors)).toMatch(
      /query expands 640800 fragments \(named and inline\), more than the limit of 1000/,
    );
    expectResponsive(watch);
  }, 60_000);

  it('refuses searches hidden behind inline-fragment padding that exhausts the cost estimate', async () => {
    // The cost estimate (graphql-query-complexity) stops after 10,000 nodes with an error that
    // the cost check took for bad variables: 500 spreads of 20 nested inline fragments got 150
    // searches (cost 150, limit 100) past it.
    const searches = Array.from(
      { length: 150 },
      (_, i) => `s${i}: search(input: { query: "x", mode: LEXICAL }) { total }`,
    ).join(' ');
    const padding = `fragment Pad on Query { ${'... on Query { '.repeat(20)}__typename${' }'.repeat(20)} }`;
    const query = `query Hidden { ${searches} ${Array.from({ length: 500 }, () => '...Pad').join(' ')} } ${padding}`;
    const response = await gql(server.url, query, {}, { 'x-api-key': KEY });
    expect(response.body.data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.errors)).toMatch(
      /query expands 10500 fragments \(named and inline\), more than the limit of 1000/,
    );
  });

  it('still answers legitimate queries with fragments, over HTTP and graphql-ws', async () => {
    const query = `query Names { ...A ...B } fragment A on Query { collections { ...C } } fragment B on Query { collections { name } } fragment C on Collection { name }`;
    const response = await gql(server.url, query, {}, { 'x-api-key': KEY });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(Array.isArray(response.body.data.collections)).toBe(true);

    const client = wsClient(server.url, { apiKey: KEY });
    try {
      const result = await new Promise<any>((resolve, reject) => {
        client.subscribe({ query }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(result.errors).toBeUndefined();
      expect(Array.isArray(result.data.collections)).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});
