import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { MODERN } from './support/mcp-2026';
import { dropIndices, eventually, testConfig } from './support/test-env';

const TASKS = 'io.modelcontextprotocol/tasks';

/** One 2026-07-28 request as the wire carries it, with or without the tasks extension declared. */
async function rpc(
  url: string,
  method: string,
  params: Record<string, unknown>,
  declareTasks = true,
): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const name = (params.name ?? params.taskId) as string | undefined;
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': declareTasks ? { extensions: { [TASKS]: {} } } : {},
        },
      },
    }),
  });
  const text = await response.text();
  // A JSON body, or an SSE stream whose last message is the answer.
  const data = text.startsWith('{')
    ? text
    : text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .pop()
        ?.slice(6);
  return JSON.parse(data ?? '{}');
}

describe('MCP tasks (SEP-2663) backed by Quarry jobs, across instances', () => {
  let a: RunningServer;
  let b: RunningServer;
  // An API that never answers: a sync of it runs until it is cancelled.
  const hanging = http.createServer(() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-tasks-'));

  beforeAll(async () => {
    for (let i = 0; i < 3; i++)
      fs.writeFileSync(
        path.join(dir, `note-${i}.md`),
        `# Note ${i}\n\nThe tasks test wrote note number ${i}.`,
      );
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    a = await startServer(testConfig({ QUARRY_FETCH_ALLOW: '127.0.0.1' }));
    b = await startServer(
      testConfig({ QUARRY_INDEX_PREFIX: a.config.indexPrefix, QUARRY_FETCH_ALLOW: '127.0.0.1' }),
    );
    const added = await call(a.url, 'POST', '/v1/sources', {
      name: 'notes',
      type: 'directory',
      collection: 'notes',
      path: dir,
    });
    expect(added.status).toBe(201);
    const slow = await call(a.url, 'POST', '/v1/sources', {
      name: 'never',
      type: 'http-json',
      collection: 'never',
      url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/items`,
      mapping: { id: 'id', body: 'text' },
    });
    expect(slow.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    hanging.closeAllConnections();
    hanging.close();
    await a?.close();
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await dropIndices(a.config.indexPrefix);
  });

  it('advertises the tasks extension in server/discover', async () => {
    const discovered = await rpc(a.url, 'server/discover', {});
    expect(discovered.result?.capabilities).toMatchObject({ extensions: { [TASKS]: {} } });
  });

  it('starts a sync as a task on one instance and follows it to its result from the other', async () => {
    const created = await rpc(a.url, 'tools/call', { name: 'sync_source', arguments: { name: 'notes' } });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working', ttlMs: null });
    expect(created.result).not.toHaveProperty('structuredContent');
    const taskId = created.result?.taskId as string;
    const done = await eventually(
      () => rpc(b.url, 'tasks/get', { taskId }),
      (answer) => answer.result?.status !== 'working',
      60_000,
    );
    expect(done.result).toMatchObject({
      taskId,
      status: 'completed',
      result: { structuredContent: { status: 'succeeded', counts: { indexed: 3 } } },
    });
    // Cancelling an ended task is acknowledged (idempotent), with no task fields.
    const cancelled = await rpc(b.url, 'tasks/cancel', { taskId });
    expect(cancelled.result).toMatchObject({ resultType: 'complete' });
    expect(Object.keys(cancelled.result ?? {}).sort()).toEqual(['_meta', 'resultType']);
    const unknown = await rpc(a.url, 'tasks/get', { taskId: 'no-such-job' });
    expect(unknown.error).toMatchObject({ code: -32602, message: 'unknown task no-such-job' });
  }, 90_000);

  it('runs the tool synchronously and refuses tasks/* for a client without the extension', async () => {
    const plain = await rpc(
      a.url,
      'tools/call',
      { name: 'sync_source', arguments: { name: 'notes', wait: true } },
      false,
    );
    expect(plain.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { status: 'succeeded' },
    });
    const refused = await rpc(a.url, 'tasks/get', { taskId: 'whatever' }, false);
    expect(refused.error?.code).toBe(-32021);
  }, 60_000);

  it('cancels a sync task from the instance that does not run it', async () => {
    const created = await rpc(a.url, 'tools/call', { name: 'sync_source', arguments: { name: 'never' } });
    const taskId = created.result?.taskId as string;
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    expect((await rpc(b.url, 'tasks/get', { taskId })).result).toMatchObject({ status: 'working' });
    const ack = await rpc(b.url, 'tasks/cancel', { taskId });
    expect(ack.error).toBeUndefined();
    const ended = await eventually(
      () => rpc(b.url, 'tasks/get', { taskId }),
      (answer) => answer.result?.status !== 'working',
      15_000,
    );
    expect(ended.result).toMatchObject({ taskId, status: 'cancelled' });
  }, 60_000);

  it('starts a re-embedding as a task and shows its progress, then its result, with tasks/get', async () => {
    const created = await rpc(a.url, 'tools/call', { name: 'reindex_embeddings', arguments: {} });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working', ttlMs: null });
    expect(created.result?.statusMessage).toMatch(/^running: embedding, \d+ of \d+ chunks$/);
    const taskId = created.result?.taskId as string;
    const done = await eventually(
      () => rpc(a.url, 'tasks/get', { taskId }),
      (answer) => answer.result?.status !== 'working',
      60_000,
    );
    expect(done.result).toMatchObject({
      taskId,
      status: 'completed',
      statusMessage: expect.stringMatching(/^succeeded: done, \d+ of \d+ chunks$/),
      result: { structuredContent: { id: taskId, status: 'succeeded', progress: { phase: 'done' } } },
    });
    // Cancelling an ended re-embedding task is acknowledged, as for a sync.
    expect((await rpc(a.url, 'tasks/cancel', { taskId })).error).toBeUndefined();
    // The task is the re-embedding job itself, as REST shows it.
    const job = await call(a.url, 'GET', `/v1/reindex/${taskId}`);
    expect(job.body).toMatchObject({ id: taskId, status: 'succeeded' });
  }, 90_000);

  it('re-embeds synchronously for a client without the tasks extension', async () => {
    const plain = await rpc(
      a.url,
      'tools/call',
      { name: 'reindex_embeddings', arguments: { wait: true } },
      false,
    );
    expect(plain.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { status: 'succeeded', progress: { phase: 'done' } },
    });
  }, 60_000);
});
