import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import ts from 'typescript';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { dropIndices, eventually, testConfig } from './support/test-env';

/**
 * The README's front door, run as a new user would: every fenced ```bash, ```ts and ```graphql
 * block, verbatim and in document order, against a fresh Quarry (its own indices) on
 * http://127.0.0.1:3000. Other blocks (json, plain diagrams, sessions) are not run.
 *
 * The line right before a fence may say how to run it:
 *   <!-- readme-test: skip (reason) -->        not run (it needs the user's own files, or starts Quarry itself)
 *   <!-- readme-test: background (reason) -->  started, then the next block runs once the block has
 *                                              opened a live subscription; it must exit 0 after that block
 *
 * A block passes when it exits 0 within its time, no curl in it got an HTTP error or no answer,
 * no GraphQL answer carries `errors`, and no search in it came back empty (`"hits":[]`): an
 * example that finds nothing shows nothing.
 */

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
/** TypeScript blocks run from here, so their imports resolve to the checkout's node_modules. */
const SCRATCH = path.join(ROOT, 'node_modules', '.cache', 'quarry-readme-test');
const BLOCK_TIMEOUT_MS = 60_000;

type Language = 'bash' | 'ts' | 'graphql';

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  language: Language | undefined;
  info: string;
  code: string;
  directive?: { kind: 'skip' | 'background'; reason: string };
}

const LANGUAGES: Record<string, Language> = {
  bash: 'bash',
  sh: 'bash',
  shell: 'bash',
  ts: 'ts',
  typescript: 'ts',
  graphql: 'graphql',
  gql: 'graphql',
};

const DIRECTIVE = /^\s*<!--\s*readme-test:\s*(\S+)\s*(?:\((.*)\))?\s*-->\s*$/;

/** Fenced code blocks in document order, with the directive on the line before each fence. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
      j++;
    }
    const marker = i > 0 ? DIRECTIVE.exec(lines[i - 1]) : null;
    let directive: ReadmeBlock['directive'];
    if (marker) {
      if (marker[1] !== 'skip' && marker[1] !== 'background')
        throw new Error(`README line ${i}: unknown readme-test directive "${marker[1]}"`);
      if (!marker[2]?.trim())
        throw new Error(`README line ${i}: readme-test: ${marker[1]} needs a reason in parentheses`);
      directive = { kind: marker[1], reason: marker[2].trim() };
    }
    blocks.push({
      line: i + 1,
      language: LANGUAGES[info.toLowerCase()],
      info,
      code: body.join('\n'),
      directive,
    });
    i = j;
  }
  return blocks;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; input?: string } = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ...output });
    });
  });
  return { child, done };
}

/**
 * Every curl reports its status on stderr (the block's own text is unchanged: `curl` is a shell
 * function around the real one); a status the block did not print is still checked.
 */
const CURL_PROBE = `curl() { command curl -w '%{stderr}readme-test: HTTP %{http_code} %{method} %{url_effective}\\n' "$@"; }\n`;

function startBash(code: string) {
  return run('bash', ['-euo', 'pipefail', '-c', `${CURL_PROBE}${code}`]);
}

function startTypeScript(code: string, line: number) {
  fs.mkdirSync(SCRATCH, { recursive: true });
  const file = path.join(SCRATCH, `readme-line-${line}.mjs`);
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: `readme-line-${line}.ts`,
  });
  fs.writeFileSync(file, outputText);
  return run(process.execPath, [file], { cwd: SCRATCH });
}

async function runGraphql(base: string, query: string): Promise<Run> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  return {
    code: response.ok ? 0 : 1,
    stdout: text,
    stderr: `readme-test: HTTP ${response.status} POST ${base}/graphql\n`,
  };
}

/** What makes a block's run a failure, as readable sentences (empty = it passed). */
export function problemsOf(result: Run): string[] {
  const problems: string[] = [];
  if (result.code !== 0)
    problems.push(
      result.code === null ? `did not finish within ${BLOCK_TIMEOUT_MS} ms` : `exited ${result.code}`,
    );
  for (const [, status, method, url] of result.stderr.matchAll(/^readme-test: HTTP (\d{3}) (\S+) (\S+)$/gm)) {
    if (status === '000') problems.push(`${method} ${url} got no answer`);
    else if (Number(status) >= 400) problems.push(`${method} ${url} answered ${status}`);
  }
  if (/"errors"\s*:\s*\[/.test(result.stdout)) problems.push('a GraphQL answer carries errors');
  if (/"hits"\s*:\s*\[\s*\]/.test(result.stdout)) problems.push('a search found nothing ("hits": [])');
  if (!result.stdout.trim()) problems.push('printed nothing');
  return problems;
}

function report(block: ReadmeBlock, result: Run, problems: string[]): string {
  const clip = (text: string) => (text.length > 4000 ? `${text.slice(0, 4000)}…` : text);
  return [
    `README block at line ${block.line} (${block.info}) failed: ${problems.join('; ')}`,
    '--- block ---',
    block.code,
    '--- stdout ---',
    clip(result.stdout),
    '--- stderr ---',
    clip(result.stderr),
  ].join('\n');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function liveSubscriptions(base: string): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('quarry_live_subscriptions '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('README: every snippet runs as written against a fresh Quarry on port 3000', () => {
  const blocks = readmeBlocks(fs.readFileSync(README, 'utf8'));
  let server: RunningServer;
  let base = 'http://127.0.0.1:3000';
  let background: { block: ReadmeBlock; child: ChildProcess; done: Promise<Run> } | undefined;

  beforeAll(async () => {
    // The README's URLs name port 3000; a developer's own Quarry there must not be mistaken for a fresh one.
    if (!(await portIsFree(3000)))
      throw new Error('port 3000 is in use: stop whatever listens there and run this test again');
    server = await startServer({ ...testConfig(), port: 3000 });
    base = server.url;
  }, 120_000);

  afterAll(async () => {
    background?.child.kill('SIGKILL');
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    fs.rmSync(SCRATCH, { recursive: true, force: true });
  }, 60_000);

  it('finds runnable blocks in the README', () => {
    expect(blocks.filter((b) => b.language && b.directive?.kind !== 'skip').length).toBeGreaterThan(3);
  });

  for (const block of blocks) {
    if (!block.language) continue;
    const name = `line ${block.line} (${block.info})`;
    // Blocks marked skip carry their reason in the README itself; they are not tests.
    if (block.directive?.kind === 'skip') continue;
    it(
      name,
      async () => {
        if (block.directive?.kind === 'background') {
          if (block.language === 'graphql') throw new Error('a GraphQL block cannot run in the background');
          const before = await liveSubscriptions(base);
          const started =
            block.language === 'bash' ? startBash(block.code) : startTypeScript(block.code, block.line);
          let exited: Run | undefined;
          void started.done.then((result) => (exited = result));
          background = { block, child: started.child, done: started.done };
          // The next block may change documents only once this one listens for the change.
          await eventually(
            async () => (exited ? Number.POSITIVE_INFINITY : await liveSubscriptions(base)),
            (count) => count > before,
            20_000,
          );
          if (exited) {
            background = undefined;
            const problems = problemsOf(exited);
            if (problems.length) throw new Error(report(block, exited, problems));
          }
          return;
        }
        const result =
          block.language === 'graphql'
            ? await runGraphql(base, block.code)
            : await (
                block.language === 'bash' ? startBash(block.code) : startTypeScript(block.code, block.line)
              ).done;
        const problems = problemsOf(result);
        if (problems.length) throw new Error(report(block, result, problems));
        if (background) {
          const waiting = background;
          background = undefined;
          const ended = await waiting.done;
          const backgroundProblems = problemsOf(ended);
          if (backgroundProblems.length)
            throw new Error(`${report(waiting.block, ended, backgroundProblems)}\n(background block)`);
        }
      },
      BLOCK_TIMEOUT_MS + 30_000,
    );
  }
});
