import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  embeddedStatus,
  startEmbeddedElasticsearch,
  stopEmbeddedElasticsearch,
} from '@quarry/embedded-elasticsearch';
import { findFreePort, writeRecord } from '@quarry/services';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { eventually, testConfig } from './support/test-env';

/**
 * Readiness follows Elasticsearch going away and coming back. The test runs its own embedded
 * node (own port and data directory) so stopping it cannot disturb the other test files.
 */
describe('/health/ready with Elasticsearch stopped and restarted', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-health-'));
  let port = 0;
  let server: RunningServer | undefined;

  const nodeOptions = () => ({ dataDir, port, heap: '512m' });

  beforeAll(async () => {
    port = await findFreePort();
    const url = await startEmbeddedElasticsearch(nodeOptions());
    server = await startServer(testConfig({ ELASTICSEARCH_URL: url }));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await stopEmbeddedElasticsearch(nodeOptions());
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const ready = async () => {
    const response = await fetch(`${server!.url}/health/ready`);
    return {
      status: response.status,
      body: (await response.json()) as Record<string, { status: string; latencyMs: number }>,
    };
  };

  it('answers liveness without touching dependencies', async () => {
    const response = await fetch(`${server!.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
  });

  it('is 200 with both up, 503 naming Elasticsearch while it is down, and 200 again after restart', async () => {
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.elasticsearch).toMatchObject({ status: 'up' });
    expect(up.body.redis).toMatchObject({ status: 'up' });
    expect(typeof up.body.elasticsearch.latencyMs).toBe('number');

    await stopEmbeddedElasticsearch(nodeOptions());
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.elasticsearch.status).toBe('down');
    expect(down.body.redis.status).toBe('up');

    // Requests get a clear 503 naming the dependency, not a 500 or a hang.
    const search = await call(server!.url, 'POST', '/v1/search', { query: 'anything', mode: 'lexical' });
    expect(search.status).toBe(503);
    expect(search.body.error.message).toMatch(/^elasticsearch is unavailable/);
    const ingest = await call(server!.url, 'POST', '/v1/documents', [
      { body: 'written while the node is down' },
    ]);
    expect(ingest.status).toBe(503);

    await startEmbeddedElasticsearch(nodeOptions());
    const back = await eventually(ready, (r) => r.status === 200, 60_000);
    expect(back.body.elasticsearch.status).toBe('up');
  }, 180_000);
});

/** An HTTP server on the port that is not Elasticsearch (no x-elastic-product header). */
function notElasticsearch(): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno');
  });
}

describe('embedded launcher edge cases', () => {
  it('reports a port held by something that is not Elasticsearch, without hanging', async () => {
    const blocker = notElasticsearch();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-port-'));
    try {
      expect(await embeddedStatus({ dataDir, port, heap: '512m' })).toEqual({ state: 'port-taken', port });
      await expect(startEmbeddedElasticsearch({ dataDir, port, heap: '512m' })).rejects.toThrow(
        new RegExp(`port ${port} is in use by a process that is not Elasticsearch`),
      );
    } finally {
      blocker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('removes a stale pid file and says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-stale-'));
    const port = await findFreePort();
    // A pid that cannot be alive: the kernel's pid_max is far below this.
    writeRecord(path.join(dataDir, 'es.json'), { pid: 2 ** 30, port, startedAt: new Date().toISOString() });
    const messages: string[] = [];
    const blocker = notElasticsearch();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(
        startEmbeddedElasticsearch({ dataDir, port, heap: '512m', log: (m) => messages.push(m) }),
      ).rejects.toThrow(/is in use/);
      expect(messages.join('\n')).toMatch(
        /removing stale pid file .*es\.json \(process 1073741824 is gone or is not our node\)/,
      );
      expect(fs.existsSync(path.join(dataDir, 'es.json'))).toBe(false);
    } finally {
      blocker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('configuration validation at start-up', () => {
  it('exits with a message naming PORT when it is not a port', () => {
    const result = spawnSync(process.execPath, ['dist/apps/server/src/main.js'], {
      env: { ...process.env, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PORT: must be a port number 1-65535, got "not-a-port"');
  });
});
