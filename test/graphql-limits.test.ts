import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

/** Malformed, deep, wide and huge GraphQL documents are refused with codes before anything runs. */
describe('GraphQL limits', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  const graphql = (query: unknown) => call(server.url, 'POST', '/graphql', { query });
  const codes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
    (body.errors ?? []).map((e) => e.extensions?.code);

  it('answers a malformed document with GRAPHQL_PARSE_FAILED', async () => {
    const response = await graphql('{ search(input: { query: "x" }) { hits { id }');
    expect(response.status).toBe(400);
    expect(codes(response.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('refuses a query nested deeper than the limit', async () => {
    const nested = `query { __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }`;
    const response = await graphql(nested);
    expect(response.status).toBe(400);
    expect(codes(response.body)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response.body)).toMatch(/query depth 11 exceeds the limit of 10/);
  });

  it('refuses a query selecting too many fields through repeated fragments', async () => {
    const fields = Array.from({ length: 60 }, (_, i) => `f${i}: __typename`).join(' ');
    const spreads = Array.from({ length: 20 }, () => '...F').join(' ');
    const response = await graphql(`query { ${spreads} } fragment F on Query { ${fields} }`);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/query selects 1200 fields, more than the limit of 1000/);
  });

  it('stops parsing a huge document at the token limit', async () => {
    const huge = `{ ${Array.from({ length: 30_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const response = await graphql(huge);
    expect(response.status).toBe(400);
    expect(codes(response.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    // graphql-js spells it "more that".
    expect(JSON.stringify(response.body)).toMatch(/Document contains more tha[nt] 20000 tokens/);
  });

  it('answers a body that is not a GraphQL request with a client error, not a 500', async () => {
    const response = await graphql(12345);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
