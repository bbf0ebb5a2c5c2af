import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { dropIndices, testConfig } from './support/test-env';

/** schemathesis (PyPI) lives next to the Python that installed it; .ci/run installs it. */
function schemathesis(): string {
  const probe = spawnSync(
    'python3',
    ['-c', 'import sys, os; print(os.path.join(os.path.dirname(sys.executable), "st"))'],
    { encoding: 'utf8' },
  );
  return probe.stdout.trim() || 'st';
}

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ status: number | null; stdout: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', (error) => resolve({ status: null, stdout, error }));
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout });
    });
  });
}

/**
 * Property-based fuzzing of every REST operation in /openapi.json with schemathesis: a bounded
 * number of generated requests, valid and invalid, and not one may get a 5xx.
 */
describe('REST fuzzing with schemathesis', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_RATE_LIMIT_READ: '0', QUARRY_RATE_LIMIT_WRITE: '0' }),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('finds no server error in the OpenAPI operations', async () => {
    const st = schemathesis();
    // Asynchronously: the server under test runs in this process and must keep answering.
    const result = await run(
      st,
      [
        'run',
        `${server.url}/openapi.json`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        '15',
        '--request-timeout',
        '10',
        '--phases',
        'coverage,fuzzing',
        '--seed',
        '20261121',
      ],
      path.join(__dirname, '..'),
    );
    if (result.error)
      throw new Error(
        `cannot run schemathesis (${st}): ${result.error.message}; install it with "pip install schemathesis"`,
      );
    const summary = result.stdout
      .split('\n')
      .filter((l) => /generated|passed|failed|errors?/i.test(l))
      .join('\n');
    expect({ status: result.status, summary }).toEqual({
      status: 0,
      summary: expect.stringMatching(/\d+ generated, \d+ passed/),
    });
  }, 300_000);
});
