import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql } from '../support/graphql';
import { call } from '../support/http';
import { dropIndices, eventually, testConfig } from '../support/test-env';

const KEYS = 'admin-key-0123:admin,writer-key-0123:writer,reader-key-0123:reader';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const DELETE_PROMPT = 'mutation ($name: String!) { deletePrompt(name: $name) { name deleted } }';

const template = (name: string) => ({
  name,
  description: `the ${name} prompt`,
  arguments: [{ name: 'topic', required: true }],
  messages: [{ role: 'user', text: 'Tell me about {{topic}}.' }],
});

// Prompts, like tools, are removed by admins only, on every edge, and clients hear of it.
describe('deleting prompts', () => {
  let server: RunningServer;
  let reader: Client;
  let listChanged = 0;

  const restNames = async () =>
    (
      (await call(server.url, 'GET', '/v1/prompts', undefined, bearer('reader-key-0123'))).body.prompts as {
        name: string;
      }[]
    ).map((p) => p.name);
  const mcpNames = async () => (await reader.listPrompts()).prompts.map((p) => p.name);

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: KEYS, QUARRY_RATE_LIMIT_READ: '0' }),
    );
    for (const name of ['stale_prompt', 'graphql_prompt']) {
      const registered = await call(
        server.url,
        'POST',
        '/v1/prompts',
        template(name),
        bearer('admin-key-0123'),
      );
      expect(registered.status).toBe(201);
    }
    reader = new Client({ name: 'prompt-reader', version: '1' });
    reader.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      listChanged++;
    });
    await reader.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: bearer('reader-key-0123') },
      }),
    );
    await eventually(mcpNames, (names) => names.includes('stale_prompt') && names.includes('graphql_prompt'));
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
  });

  it('refuses a writer and a reader (403) on REST and GraphQL, and keeps the prompt', async () => {
    for (const key of ['writer-key-0123', 'reader-key-0123']) {
      const rest = await call(server.url, 'DELETE', '/v1/prompts/stale_prompt', undefined, bearer(key));
      expect(rest.status).toBe(403);
      const graphql = await gql(server.url, DELETE_PROMPT, { name: 'stale_prompt' }, bearer(key));
      expect(graphql.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await restNames()).toContain('stale_prompt');
    expect(await mcpNames()).toContain('stale_prompt');
  });

  it('lets an admin delete it over REST: gone from REST and MCP prompts/list, and clients are told', async () => {
    const before = listChanged;
    const deleted = await call(
      server.url,
      'DELETE',
      '/v1/prompts/stale_prompt',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ name: 'stale_prompt', deleted: true });
    await eventually(
      async () => listChanged,
      (n) => n > before,
      10_000,
    );
    expect(await mcpNames()).not.toContain('stale_prompt');
    expect(await restNames()).not.toContain('stale_prompt');
    const gone = await reader
      .getPrompt({ name: 'stale_prompt', arguments: { topic: 'x' } })
      .catch((e: Error) => e);
    expect(gone).toBeInstanceOf(Error);
    const again = await call(
      server.url,
      'DELETE',
      '/v1/prompts/stale_prompt',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(again.status).toBe(404);
  });

  it('lets an admin delete it over GraphQL, but never a built-in prompt', async () => {
    const deleted = await gql(
      server.url,
      DELETE_PROMPT,
      { name: 'graphql_prompt' },
      bearer('admin-key-0123'),
    );
    expect(deleted.body).toEqual({ data: { deletePrompt: { name: 'graphql_prompt', deleted: true } } });
    await eventually(mcpNames, (names) => !names.includes('graphql_prompt'));
    expect(await restNames()).not.toContain('graphql_prompt');
    const builtIn = await call(
      server.url,
      'DELETE',
      '/v1/prompts/answer_with_citations',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(builtIn.status).toBe(400);
    expect(builtIn.body.error.problems).toEqual([{ field: 'name', reason: 'built-in' }]);
  });
});
