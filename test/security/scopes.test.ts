import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, testConfig } from '../support/test-env';

const KEYS = 'admin-key-0123:admin,ops-writer-0123:writer:ops,ops-reader-0123:reader:ops';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

// Keys scoped to the `ops` collection attack documents of `hr` through every side door.
describe('collection scopes hold on writes, prompts, resources and completions', () => {
  let server: RunningServer;
  let reader: Client;

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: KEYS, QUARRY_RATE_LIMIT_READ: '0' }),
    );
    const seeded = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        {
          id: 'hr-salaries',
          collection: 'hr',
          title: 'Salaries',
          body: 'The salary bands of every employee.',
        },
        {
          id: 'ops-disk',
          collection: 'ops',
          title: 'Disk full',
          body: 'Rotate the logs when the disk is full.',
        },
      ],
      bearer('admin-key-0123'),
    );
    expect(seeded.status).toBe(200);
    reader = new Client({ name: 'scoped-reader', version: '1' });
    await reader.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: bearer('ops-reader-0123') },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('a scoped writer cannot overwrite, move or probe a document of another collection', async () => {
    const attempt = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id: 'hr-salaries', collection: 'ops', body: 'overwritten' }],
      bearer('ops-writer-0123'),
    );
    expect(attempt.status).toBe(200);
    const [item] = attempt.body.items;
    expect(item).toMatchObject({ status: 'failed', error: 'id "hr-salaries" is not writable with this key' });
    expect(JSON.stringify(attempt.body)).not.toContain('updated');
    expect(JSON.stringify(attempt.body)).not.toContain('"hr"');
    const stored = await call(
      server.url,
      'GET',
      '/v1/documents/hr-salaries',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(stored.body).toMatchObject({ collection: 'hr', body: 'The salary bands of every employee.' });
  });

  it('answer_with_citations searches as the caller (MCP prompts/get and REST render)', async () => {
    const viaMcp = await reader.getPrompt({
      name: 'answer_with_citations',
      arguments: { question: 'salary bands of every employee' },
    });
    const mcpText = JSON.stringify(viaMcp);
    expect(mcpText).not.toContain('hr-salaries');
    expect(mcpText).not.toContain('salary bands of every employee.');
    const viaRest = await call(
      server.url,
      'POST',
      '/v1/prompts/answer_with_citations/render',
      { question: 'salary bands of every employee' },
      bearer('ops-reader-0123'),
    );
    expect(viaRest.status).toBe(200);
    expect(JSON.stringify(viaRest.body)).not.toContain('hr-salaries');
    // The same prompt for a caller who may read hr does cite it: the test can tell the difference.
    const admin = await call(
      server.url,
      'POST',
      '/v1/prompts/answer_with_citations/render',
      { question: 'salary bands of every employee' },
      bearer('admin-key-0123'),
    );
    expect(JSON.stringify(admin.body)).toContain('hr-salaries');
  });

  it('resources, subscriptions and completions only show the caller its collections', async () => {
    await expect(reader.readResource({ uri: 'quarry://documents/hr-salaries' })).rejects.toThrow(
      /not found/i,
    );
    await expect(reader.subscribeResource({ uri: 'quarry://documents/hr-salaries' })).rejects.toThrow(
      /not found/i,
    );
    await expect(reader.subscribeResource({ uri: 'quarry://documents/ops-disk' })).resolves.toBeDefined();
    const listed = await reader.listResources();
    expect(JSON.stringify(listed)).not.toContain('hr');
    const completed = await reader.complete({
      ref: { type: 'ref/resource', uri: 'quarry://documents/{id}' },
      argument: { name: 'id', value: '' },
    });
    expect(completed.completion.values).toEqual(['ops-disk']);
  });
});
