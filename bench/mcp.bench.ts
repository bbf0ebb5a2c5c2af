/**
 * MCP benchmark (`npm run bench:mcp`): `tools/call search` latency over WebSocket and
 * Streamable HTTP next to a direct Elasticsearch call, `ping` messages per second over one
 * WebSocket, and the server's memory with 1,000 idle WebSocket sessions. Figures, not verdicts.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { loadConfig } from '@quarry/config';
import { createElasticsearchClient, lexicalRequest } from '@quarry/search';
import { ensureServices, findFreePort } from '@quarry/services';
import { runBenchmark } from './instance';
import { machine, percentile, round, table, writeResult } from './stats';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const root = path.join(__dirname, '..', '..');
const QUERIES = [
  'disk full',
  'rotate logs',
  'certificate renewal',
  'parental leave',
  'backup schedule',
  'connection pool',
];

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** Opens a raw MCP WebSocket session: initialize + initialized. */
async function rawSession(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, 'mcp');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const answered = new Promise((resolve) => socket.once('message', resolve));
  socket.send(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  );
  await answered;
  socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return socket;
}

async function main() {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const prefix = 'bench-mcp';
  const port = await findFreePort();
  const child = spawn(process.execPath, [path.join(root, 'dist/apps/server/src/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ELASTICSEARCH_URL: endpoints.elasticsearchUrl,
      REDIS_URL: endpoints.redisUrl,
      QUARRY_INDEX_PREFIX: prefix,
      QUARRY_QUERY_CACHE_TTL: '0',
      QUARRY_MAX_SESSIONS_PER_PRINCIPAL: '5000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('Quarry is listening') && resolve()),
  );
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/mcp/ws`;
  const es = createElasticsearchClient(endpoints.elasticsearchUrl, 30_000);
  const report: Record<string, unknown> = { machine: machine() };
  try {
    await fetch(`${url}/v1/documents?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        QUERIES.map((q, i) => ({ id: `mcp-bench-${i}`, body: `A note about ${q} and what to do about it.` })),
      ),
    });
    const docsIndex = Object.keys(await es.indices.getAlias({ name: `${prefix}-docs` }))[0];
    const ws = new Client({ name: 'bench', version: '1' });
    await ws.connect(new WebSocketClientTransport(new URL(wsUrl)));
    const http = new Client({ name: 'bench', version: '1' });
    await http.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    const direct = (i: number) =>
      es.search(
        lexicalRequest(
          docsIndex,
          QUERIES[i % QUERIES.length],
          {},
          { from: 0, size: 10, facets: true, documentFragments: 3 },
        ),
      );
    const rows: Record<string, unknown>[] = [];
    for (const [name, client] of [
      ['WebSocket', ws],
      ['Streamable HTTP', http],
    ] as const) {
      const call = (i: number) =>
        client.callTool({
          name: 'search',
          arguments: { query: QUERIES[i % QUERIES.length], mode: 'lexical' },
        });
      for (let i = 0; i < 30; i++) await Promise.all([call(i), direct(i)]);
      const edge: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < 300; i++) {
        let t = performance.now();
        await call(i);
        edge.push(performance.now() - t);
        t = performance.now();
        await direct(i);
        base.push(performance.now() - t);
      }
      rows.push({
        transport: name,
        'search p50 ms': round(percentile(edge, 50)),
        'search p95 ms': round(percentile(edge, 95)),
        'direct ES p50 ms': round(percentile(base, 50)),
        'p50 ratio': round(percentile(edge, 50) / percentile(base, 50)),
      });
    }
    report.search = rows;
    process.stdout.write(`\ntools/call search (lexical, 300 calls each)\n${table(rows)}\n`);
    await ws.close();
    await http.close();

    // ping throughput: one socket, a window of 256 requests in flight.
    const socket = await rawSession(wsUrl);
    const total = 50_000;
    let received = 0;
    let sent = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      socket.on('message', () => {
        received++;
        if (sent < total) socket.send(JSON.stringify({ jsonrpc: '2.0', id: ++sent, method: 'ping' }));
        if (received === total) resolve();
      });
      for (; sent < 256;) socket.send(JSON.stringify({ jsonrpc: '2.0', id: ++sent, method: 'ping' }));
    });
    const pingRate = total / ((performance.now() - started) / 1000);
    socket.close();
    report.ping = { messagesPerSecond: round(pingRate, 0), target: 10_000 };
    process.stdout.write(
      `\nping over one WebSocket: ${round(pingRate, 0)} messages/s (seed target 10,000/s)\n`,
    );

    const before = rss(child.pid!);
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 1000; i += 50)
      sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => rawSession(wsUrl)))));
    await new Promise((r) => setTimeout(r, 2000));
    const after = rss(child.pid!);
    report.idleSessions = {
      sessions: sockets.length,
      rssBeforeMiB: round(before / 2 ** 20, 0),
      rssAfterMiB: round(after / 2 ** 20, 0),
      perSessionKiB: round((after - before) / sockets.length / 1024, 1),
      target: '< 500 MiB',
    };
    process.stdout.write(
      `\n1,000 idle MCP WebSocket sessions: server RSS ${round(before / 2 ** 20, 0)} → ${round(after / 2 ** 20, 0)} MiB (seed target < 500 MiB)\n`,
    );
    for (const s of sockets) s.close();
  } finally {
    child.kill('SIGTERM');
    await es.close();
  }
  process.stdout.write(
    `\nmachine: ${JSON.stringify(report.machine)}\nwritten to ${writeResult('mcp', report)}\n`,
  );
  process.exit(0);
}

runBenchmark(main);
