import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { ConfigError, loadConfig, type QuarryConfig } from '@quarry/config';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pino from 'pino';
import { createMcpSession, QuarryError, type Envelope } from '@quarry/core';
import { createLogger } from '@quarry/observability';
import { bootRuntime, type QuarryRuntime } from '@quarry/runtime';
import type { IngestResult, SearchResult } from '@quarry/search';
import { ensureServices, servicesStatus, ServiceError, stopServices } from '@quarry/services';
import { readDocuments } from './ingest-files';

function configOrExit(): QuarryConfig {
  try {
    // The CLI talks to people: only warnings and errors are logged (to stderr).
    return loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`quarry: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ServiceError || error instanceof QuarryError) {
      process.stderr.write(`quarry: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** The CLI runs operations in-process through the same message manager as every other edge. */
async function withRuntime(action: (runtime: QuarryRuntime) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const runtime = await bootRuntime(
    config,
    createLogger(config.logLevel).child({}, { level: config.logLevel }),
  );
  try {
    await action(runtime);
  } finally {
    await runtime.close();
  }
}

function envelope(op: string, args: unknown): Envelope {
  return { op, args, principal: { id: 'cli', role: 'admin' }, transport: 'cli', requestId: randomUUID() };
}

const program = new Command('quarry').description(
  'Quarry: search for agents and apps over MCP, GraphQL and REST',
);

program
  .command('ingest')
  .description('index documents from JSONL/JSON files or .md/.txt files (directories are walked)')
  .argument('<paths...>', 'files or directories')
  .option('-c, --collection <name>', 'collection for documents that name none')
  .option('--batch <n>', 'documents per request', (v) => Number(v), 100)
  .option('--wait', 'return once everything is searchable', false)
  .action((paths: string[], options: { collection?: string; batch: number; wait: boolean }) =>
    guarded(() =>
      withRuntime(async (runtime) => {
        const documents = paths.flatMap((p) => [...readDocuments(p, options.collection)]);
        const bar = new SingleBar(
          { format: 'ingest [{bar}] {value}/{total} docs | {eta_formatted} left', stream: process.stderr },
          Presets.shades_classic,
        );
        bar.start(documents.length, 0);
        const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
        const failures: string[] = [];
        for (let i = 0; i < documents.length; i += options.batch) {
          const batch = documents.slice(i, i + options.batch);
          const result = await runtime.manager.handle<IngestResult>(
            envelope('index_documents', { documents: batch.map((d) => d.document), wait: options.wait }),
          );
          for (const item of result.items) {
            counts[item.status]++;
            if (item.status === 'failed') failures.push(`${batch[item.index].origin}: ${item.error}`);
          }
          bar.update(Math.min(i + batch.length, documents.length));
        }
        bar.stop();
        process.stdout.write(
          `created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, failed ${counts.failed}\n`,
        );
        for (const failure of failures.slice(0, 20)) process.stdout.write(`  failed ${failure}\n`);
        if (failures.length > 20) process.stdout.write(`  ... and ${failures.length - 20} more\n`);
        if (counts.failed > 0) process.exitCode = 1;
      }),
    ),
  );

program
  .command('search')
  .description('search the indexed documents')
  .argument('<query>', 'query text; @collection words scope it')
  .addOption(
    new Option('-m, --mode <mode>', 'ranking').choices(['lexical', 'semantic', 'hybrid']).default('hybrid'),
  )
  .option('-c, --collection <name...>', 'only these collections')
  .option('-n, --size <n>', 'hits', (v) => Number(v), 10)
  .option('--json', 'print the raw result', false)
  .action((query: string, options: { mode: string; collection?: string[]; size: number; json: boolean }) =>
    guarded(() =>
      withRuntime(async (runtime) => {
        const result = await runtime.manager.handle<SearchResult>(
          envelope('search', {
            query,
            mode: options.mode,
            size: options.size,
            ...(options.collection ? { collection: options.collection } : {}),
          }),
        );
        if (options.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        process.stdout.write(`${result.total} hits (${result.mode}, ${result.tookMs} ms)\n`);
        result.hits.forEach((hit, i) => {
          const snippet = hit.snippet.replace(/<\/?em>/g, '*').replace(/\s+/g, ' ');
          process.stdout.write(
            `${i + 1}. ${hit.title ?? hit.id}  [${hit.collection}] ${hit.score.toFixed(3)}\n   ${hit.id}\n   ${snippet}\n`,
          );
        });
      }),
    ),
  );

program
  .command('stdio')
  .description('serve MCP over stdin/stdout for desktop clients (logs go to stderr)')
  .action(() =>
    guarded(async () => {
      const config = configOrExit();
      // stdout carries the protocol: every log line goes to stderr.
      const logger = pino({ name: 'quarry', level: config.logLevel }, pino.destination(2));
      const runtime = await bootRuntime(config, logger);
      const { server } = createMcpSession(runtime.mcp, { id: 'stdio', role: 'admin' }, 'mcp-stdio');
      const transport = new StdioServerTransport();
      transport.onclose = () => void runtime.close().then(() => process.exit(0));
      process.stdin.on('end', () => void runtime.close().then(() => process.exit(0)));
      await server.connect(transport);
    }),
  );

const services = program.command('services').description('the embedded Elasticsearch node and Redis');
services
  .command('up')
  .description('start them (or reuse running ones) and wait until they answer')
  .action(() =>
    guarded(async () => {
      const endpoints = await ensureServices(configOrExit(), (m) => process.stdout.write(`${m}\n`));
      process.stdout.write(`Elasticsearch ${endpoints.elasticsearchUrl}\nRedis ${endpoints.redisUrl}\n`);
    }),
  );
services
  .command('down')
  .description('stop the services this checkout started')
  .action(() =>
    guarded(async () => {
      process.stdout.write((await stopServices(configOrExit())).join('\n') + '\n');
    }),
  );
services
  .command('status')
  .description('say what runs where')
  .action(() =>
    guarded(async () => {
      process.stdout.write((await servicesStatus(configOrExit())).join('\n') + '\n');
    }),
  );

void program.parseAsync(process.argv);
