import { startServerProcess, type ServerProcess } from './support/process-server';

/**
 * `npm start` runs in production mode (apps/server/src/production-mode.ts), which the other tests,
 * run with NODE_ENV=test, never see. In production Apollo turns introspection off and would hide
 * the schema from the console unless GraphqlApiModule keeps it on.
 */
interface GraphqlBody {
  data?: { __schema: { queryType: { name: string } } };
  errors?: { message: string; extensions: Record<string, unknown> }[];
}

describe('npm start in production mode (NODE_ENV unset)', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({ NODE_ENV: '', QUARRY_INDEX_PREFIX: 'test-production-mode' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  const graphql = async (query: string) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as GraphqlBody };
  };

  it('keeps introspection, which the console reads the schema with', async () => {
    const { status, body } = await graphql('{ __schema { queryType { name } } }');
    expect(status).toBe(200);
    expect(body.data!.__schema.queryType.name).toBe('Query');
  });

  it('answers a bad query with the field named and no stack trace', async () => {
    const { body } = await graphql('{ search(input: { query: "inverter", size: 1000 }) { total } }');
    expect(body.errors![0].message).toMatch(/size/);
    expect(body.errors![0].extensions.stacktrace).toBeUndefined();
  });
});
