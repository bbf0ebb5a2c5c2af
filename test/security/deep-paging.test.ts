/**
 * Issue 10 item 6: `from` + `size` past Elasticsearch's result window (10,000) answered 500
 * ("elasticsearch rejected the request: all shards failed") in lexical and hybrid mode, and
 * GraphQL said INTERNAL_SERVER_ERROR. It is the client's mistake: 400 naming both fields.
 */
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql } from '../support/graphql';
import { call } from '../support/http';
import { dropIndices, testConfig } from '../support/test-env';

describe('deep paging past the result window', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
    const ingested = await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'page-1', title: 'Disk full', body: 'The disk of the database host is full.' },
      { id: 'page-2', title: 'Disk quota', body: 'Quotas limit the disk space of each user.' },
    ]);
    expect(ingested.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it.each(['lexical', 'semantic', 'hybrid'])(
    'REST %s: from 9995 + size 10 is a 400 naming from and size',
    async (mode) => {
      const response = await call(server.url, 'POST', '/v1/search', {
        query: 'disk',
        mode,
        from: 9995,
        size: 10,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid');
      const fields = response.body.error.problems.map((p: { field: string }) => p.field).sort();
      expect(fields).toEqual(['from', 'size']);
      expect(response.body.error.problems[0].reason).toMatch(/from \+ size must be at most 10000/);
    },
  );

  it('the default size counts too: from 9991 alone is refused', async () => {
    const response = await call(server.url, 'POST', '/v1/search', { query: 'disk', from: 9991 });
    expect(response.status).toBe(400);
    expect(response.body.error.problems.map((p: { field: string }) => p.field)).toContain('from');
  });

  it.each(['lexical', 'hybrid'])('REST %s: the last page inside the window still answers', async (mode) => {
    const response = await call(server.url, 'POST', '/v1/search', {
      query: 'disk',
      mode,
      from: 9990,
      size: 10,
    });
    expect(response.status).toBe(200);
    expect(response.body.hits).toEqual([]);
  });

  it('GraphQL: BAD_USER_INPUT with the fields, not INTERNAL_SERVER_ERROR', async () => {
    const response = await gql(
      server.url,
      'query($input: SearchInput!) { search(input: $input) { total hits { id } } }',
      { input: { query: 'disk', mode: 'HYBRID', from: 9995, size: 10 } },
    );
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors[0].extensions.problems.map((p: { field: string }) => p.field)).toContain(
      'input.from',
    );
  });
});
