/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { LOGGER } from '@quarry/observability';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql, wsClient } from '../support/graphql';
import { OwnRedis } from '../support/own-redis';
import { call } from '../support/http';
import { dropIndices, eventually, testConfig, uniquePrefix } from '../support/test-env';

/** Issue 10, item 10: error messages a client sees say what is wrong, once, in Quarry's words. */

const IOREDIS_WORDING = /Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|Connection is closed|ioredis/;

describe('MCP error messages carry their prefix once', () => {
  const prefix = uniquePrefix();
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_INDEX_PREFIX: prefix }));
    client = new Client({ name: 'errors', version: '1' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await dropIndices(prefix);
  });

  const messageOf = async (work: Promise<unknown>): Promise<string> => {
    try {
      await work;
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the request succeeded');
  };

  it('invalid tool arguments (a Quarry error)', async () => {
    const message = await messageOf(
      client.callTool({ name: 'search', arguments: { query: 'x', size: 500 } }),
    );
    expect(message).toMatch(/^MCP error -32602: invalid arguments/);
    expect(message).not.toMatch(/MCP error -?\d+: MCP error/);
  });

  it('an unknown tool and a prompt without its required argument', async () => {
    const unknown = await messageOf(client.callTool({ name: 'no_such_tool', arguments: {} }));
    expect(unknown).toBe('MCP error -32602: unknown tool "no_such_tool"');
    const prompt = await messageOf(client.getPrompt({ name: 'summarize_document', arguments: {} }));
    expect(prompt).toMatch(/^MCP error -32602: invalid arguments for prompt summarize_document/);
  });

  it('a resource that does not exist', async () => {
    const message = await messageOf(client.readResource({ uri: 'quarry://documents/nope' }));
    expect(message).toBe('MCP error -32004: document "nope" not found');
  });
});

describe('a 503 while Redis is down says "redis is unavailable", not what ioredis said', () => {
  const redis = new OwnRedis('errors-redis');
  let server: RunningServer;
  const logged: string[] = [];

  beforeAll(async () => {
    const redisUrl = await redis.start();
    server = await startServerWithoutModel(
      testConfig({
        REDIS_URL: redisUrl,
        QUARRY_API_KEYS: 'errors-reader-1:reader,errors-writer-1:writer',
        QUARRY_REQUEST_TIMEOUT_MS: '3000',
      }),
    );
    // The rest of the message is for the operator: capture the warnings the server logs.
    const logger = server.app.get(LOGGER) as unknown as { warn: (...args: unknown[]) => void };
    const warn = logger.warn.bind(logger);
    logger.warn = (...args: unknown[]) => {
      logged.push(JSON.stringify(args));
      warn(...args);
    };
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await redis.remove();
    if (server) await dropIndices(server.config.indexPrefix);
  }, 60_000);

  it('on REST, GraphQL and a live subscription', async () => {
    await redis.stop();
    await eventually(
      async () => (await call(server.url, 'GET', '/health/ready')).body,
      (r) => r?.redis?.status === 'down',
      15_000,
    );
    // A live query is registered through Redis: this is where ioredis's wording used to show.
    const client = wsClient(server.url, { authorization: 'Bearer errors-reader-1' });
    try {
      const errors = await new Promise<any[]>((resolve) => {
        client.subscribe(
          { query: `subscription { liveSearch(input: { query: "redis" }) { change } }` },
          {
            next: () => undefined,
            error: (e) => resolve(Array.isArray(e) ? e : [e]),
            complete: () => resolve([]),
          },
        );
      });
      expect(errors.map((e) => e.message)).toEqual(['redis is unavailable']);
    } finally {
      await client.dispose();
    }

    const writer = { authorization: 'Bearer errors-writer-1' };

    const rest = await call(
      server.url,
      'POST',
      '/v1/documents',
      [{ id: 'e1', collection: 'errors', body: 'Redis is down.' }],
      writer,
    );
    expect(rest.status).toBe(503);
    expect(rest.body.error.message).toBe('redis is unavailable');

    const mutation = await gql(server.url, `mutation { deleteDocument(id: "e1") { deleted } }`, {}, writer);
    expect(mutation.body.errors[0].extensions.code).toBe('UNAVAILABLE');
    expect(mutation.body.errors[0].message).toBe('redis is unavailable');

    expect(JSON.stringify([rest.body, mutation.body])).not.toMatch(IOREDIS_WORDING);
    expect(logged.join('\n')).toMatch(/dependency unavailable/);

    // Quarry closes cleanly once Redis is back.
    await redis.start();
    await eventually(
      async () => (await call(server.url, 'GET', '/health/ready')).body,
      (r) => r?.status === 'ready',
      30_000,
    );
  }, 60_000);
});
