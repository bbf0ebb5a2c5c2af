/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { randomBytes } from 'node:crypto';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql, wsClient } from '../support/graphql';
import { call } from '../support/http';
import { dropIndices, testConfig, uniquePrefix } from '../support/test-env';

/**
 * Issue 10, item 9: one GraphQL request with 499 aliased `search` fields ran 499 Elasticsearch
 * searches (300 hybrid ones ran 601 queries and 300 embeddings), and in protected mode nothing
 * metered it. Every field that runs an operation now costs what the operation costs, a request
 * over the budget is refused before anything runs, and rate limits take tokens per cost.
 */
const aliased = (count: number, field: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join('\n');

/** How many operations of this name ran, whatever the edge and outcome (Prometheus counter). */
async function operationsRun(base: string, op: string): Promise<number> {
  const text = (await call(base, 'GET', '/metrics')).body as string;
  return text
    .split('\n')
    .filter((line) => line.startsWith(`quarry_requests_total{op="${op}",`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const codes = (body: any): string[] => (body.errors ?? []).map((e: any) => e.extensions?.code);

describe('GraphQL cost limit (protected mode: no keys, the caller is the local admin)', () => {
  const prefix = uniquePrefix();
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_INDEX_PREFIX: prefix }));
    base = server.url;
    const seeded = await call(base, 'POST', '/v1/documents?wait=true', [
      { id: 'cost-keep', collection: 'ops', body: 'Rotate the logs when the disk is full.' },
    ]);
    expect(seeded.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(prefix);
  });

  it('refuses 499 aliased searches before any of them runs', async () => {
    const before = await operationsRun(base, 'search');
    const query = `{ ${aliased(499, () => 'search(input: { query: "disk", mode: LEXICAL }) { total }')} }`;
    const response = await gql(base, query);
    expect(response.status).toBe(400);
    expect(codes(response.body)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(response.body.errors[0].message).toMatch(/query costs 499, more than the limit of 100/);
    expect(response.body.data).toBeUndefined();
    expect(await operationsRun(base, 'search')).toBe(before);
  });

  it('answers an unknown operation name with 400, not a crash of the cost check', async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { collections { name } }', operationName: 'Search' }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('Unknown operation named');
  });

  it('counts a hybrid search (the default, also through variables and fragments) as 3', async () => {
    const before = await operationsRun(base, 'search');
    const hybrid = await gql(
      base,
      `query($input: SearchInput!) { ...F } fragment F on Query { ${aliased(17, () => 'search(input: $input) { total }')} }`,
      { input: { query: 'disk' } },
    );
    // 17 hybrid searches cost 51: allowed.
    expect(codes(hybrid.body)).not.toContain('COST_LIMIT_EXCEEDED');
    const tooMany = await gql(
      base,
      `query($mode: SearchMode) { ${aliased(34, () => 'search(input: { query: "disk", mode: $mode }) { total }')} }`,
      { mode: 'HYBRID' },
    );
    expect(codes(tooMany.body)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(tooMany.body.errors[0].message).toMatch(/query costs 102,/);
    const lexical = await gql(
      base,
      `query($mode: SearchMode) { ${aliased(34, () => 'search(input: { query: "disk", mode: $mode }) { total }')} }`,
      { mode: 'LEXICAL' },
    );
    expect(lexical.body.errors).toBeUndefined();
    expect(lexical.body.data.a33.total).toBe(1);
    expect(await operationsRun(base, 'search')).toBe(before + 17 + 34);
  });

  it('refuses 101 aliased deletes and registry reads; nothing is deleted', async () => {
    const deletes = await gql(
      base,
      `mutation { ${aliased(101, () => 'deleteDocument(id: "cost-keep") { deleted }')} }`,
    );
    expect(codes(deletes.body)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect((await call(base, 'GET', '/v1/documents/cost-keep')).status).toBe(200);
    const registry = await gql(base, `{ ${aliased(101, () => 'tools { name }')} }`);
    expect(codes(registry.body)).toEqual(['COST_LIMIT_EXCEEDED']);
  });

  it('refuses the same over graphql-ws', async () => {
    const client = wsClient(base);
    try {
      const errors = await new Promise<any>((resolve, reject) => {
        client.subscribe(
          { query: `{ ${aliased(499, () => 'search(input: { query: "disk", mode: LEXICAL }) { total }')} }` },
          { next: () => reject(new Error('the query ran')), error: resolve, complete: () => resolve([]) },
        );
      });
      expect(errors.map((e: any) => e.extensions?.code)).toEqual(['COST_LIMIT_EXCEEDED']);
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limits take tokens per cost', () => {
  const prefix = uniquePrefix();
  const key = `cost-${randomBytes(6).toString('hex')}`;
  let server: RunningServer;

  beforeAll(async () => {
    // 30 reads a minute: a burst of 30 plus one from the steady rate.
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_INDEX_PREFIX: prefix,
        QUARRY_API_KEYS: `${key}:reader`,
        QUARRY_RATE_LIMIT_READ: '30',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(prefix);
  });

  it('ten hybrid searches in one request spend 30 tokens, so the next hybrid search is refused', async () => {
    const headers = { authorization: `Bearer ${key}` };
    const ten = await gql(
      server.url,
      `{ ${aliased(10, () => 'search(input: { query: "disk" }) { total }')} }`,
      {},
      headers,
    );
    expect(ten.body.errors).toBeUndefined();
    const next = await gql(server.url, `{ search(input: { query: "disk" }) { total } }`, {}, headers);
    expect(codes(next.body)).toEqual(['RATE_LIMITED']);
  });
});
