import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { assertSupportedNode, ConfigError, loadConfig, type QuarryConfig } from '@quarry/config';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import pino from 'pino';
import { QuarryError, type Envelope, type OperationRef } from '@quarry/core';
import { createLogger } from '@quarry/observability';
import { Client } from '@elastic/elasticsearch';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { createMcpServer, MCP } from '@quarry/mcp';
import { QuarryModule } from '@quarry/app';
import {
  describeLocation,
  EmbeddingReindexer,
  INDICES,
  type IndexNames,
  evaluationTable,
  plainText,
  EVALUATE_SEARCH,
  SEARCH,
  SearchInput,
} from '@quarry/search';
import { ensureServices, servicesStatus, ServiceError, stopServices } from '@quarry/services';
import {
  CLI_PRINCIPAL,
  commandModule,
  openContext,
  ReindexCommandModule,
  scopeOf,
  withContext,
  type CommandScope,
} from './command.context';
import { runIngestCommand, type IngestCommandOptions } from './ingest.command';
import { registerSourceCommands } from './source.command';
import { registerClusterCommands } from './cluster.command';
import { contractOption } from './contract-option';
import { readJudgments } from './judgments';

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
async function withQuarry(action: (quarry: CommandScope) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel).child({}, { level: config.logLevel });
  await withContext(config, logger, commandModule(logger), (app) => action(scopeOf(app)));
}

function envelope<A, R>(op: OperationRef<A, R>, args: unknown): Envelope & { op: OperationRef<A, R> } {
  return { op, args, principal: CLI_PRINCIPAL, transport: 'cli', requestId: randomUUID() };
}

/** Options the user gave (commander leaves the others undefined). */
function withoutUnset<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The search options are the search contract's fields (contractOption), plus how to print. */
type SearchCommandOptions = Pick<
  SearchInput,
  'mode' | 'collection' | 'size' | 'semanticRatio' | 'fusion' | 'explain'
> & {
  json: boolean;
};

interface EvalCommandOptions {
  sweep: boolean;
  semanticRatio?: number;
  fusion?: string;
  json: boolean;
}

assertSupportedNode();

// A reader that stops early (`quarry search ... | head -1`) closes the pipe: the output is done,
// which is no error (Node's default is an unhandled 'error' event, a stack trace and exit code 1).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const program = new Command('quarry').description(
  'Quarry: search for agents and apps over MCP, GraphQL and REST',
);

program
  .command('ingest')
  .description(
    'index files (PDF, HTML, DOCX, PPTX, XLSX, ODT, ODP, ODS, EPUB, Markdown, Jupyter, reST, AsciiDoc, man pages, Info, text, .gz; JSON/JSONL as documents, compressed or not); directories are walked',
  )
  .argument('<paths...>', 'files or directories')
  .option('-c, --collection <name>', 'collection for documents that name none')
  .option('--batch <n>', 'documents per request', (v) => Number(v), 100)
  .option('--wait', 'return once everything is searchable', false)
  .action((paths: string[], options: IngestCommandOptions) =>
    guarded(() =>
      withQuarry(async (quarry) => {
        process.exitCode = await runIngestCommand(quarry, paths, options);
      }),
    ),
  );

program
  .command('search')
  .description('search the indexed documents')
  .argument('<query>', 'query text; @collection words scope it')
  .addOption(contractOption(SearchInput, 'mode', '-m, --mode <mode>'))
  .addOption(contractOption(SearchInput, 'collection', '-c, --collection <name...>'))
  .addOption(contractOption(SearchInput, 'size', '-n, --size <n>'))
  .addOption(contractOption(SearchInput, 'semanticRatio', '-r, --semantic-ratio <0..1>'))
  .addOption(contractOption(SearchInput, 'fusion', '--fusion <method>'))
  .addOption(contractOption(SearchInput, 'explain', '--explain'))
  .option('--json', 'print the raw result', false)
  .action((query: string, options: SearchCommandOptions) =>
    guarded(() =>
      withQuarry(async (quarry) => {
        const result = await quarry.manager.handle(
          envelope(SEARCH, { query, ...withoutUnset({ ...options, json: undefined }) }),
        );
        if (options.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        process.stdout.write(`${result.total} hits (${result.mode}, ${result.tookMs} ms)\n`);
        result.hits.forEach((hit, i) => {
          const snippet = plainText(hit.snippet, (match) => `*${match}*`).replace(/\s+/g, ' ');
          const position = (p: { rank: number; score: number } | null) =>
            p ? `#${p.rank} (${p.score.toFixed(3)})` : '-';
          const why = hit.explain
            ? `\n   lexical ${position(hit.explain.lexical)}, semantic ${position(hit.explain.semantic)}`
            : '';
          process.stdout.write(
            `${i + 1}. ${hit.title ?? hit.id}  [${hit.collection}] ${hit.score.toFixed(3)}\n   ${hit.id}${hit.location ? `  (${describeLocation(hit.location)})` : ''}\n   ${snippet}${why}\n`,
          );
        });
      }),
    ),
  );

program
  .command('eval')
  .description(
    'relevance evaluation: run judged queries (JSONL: {"query": "...", "relevant": {"doc-id": 2}}) in every mode; MRR@10, nDCG@10, recall@10/100',
  )
  .argument('<judgments>', 'JSONL file, one judged query a line')
  .option('--sweep', 'also hybrid at semanticRatio 0, 0.1, ..., 1 with each fusion method', false)
  .option('-r, --semantic-ratio <0..1>', "the hybrid row's semanticRatio (default: the server's)", Number)
  .addOption(new Option('--fusion <method>', "the hybrid row's fusion").choices(['relative', 'rrf']))
  .option('--json', 'print the raw result', false)
  .action((file: string, options: EvalCommandOptions) =>
    guarded(async () => {
      let judgments;
      try {
        judgments = readJudgments(file);
      } catch (error) {
        throw new QuarryError('invalid', (error as Error).message);
      }
      await withQuarry(async (quarry) => {
        const result = await quarry.manager.handle(
          envelope(EVALUATE_SEARCH, {
            judgments,
            sweep: options.sweep,
            ...(options.semanticRatio === undefined ? {} : { semanticRatio: options.semanticRatio }),
            ...(options.fusion ? { fusion: options.fusion } : {}),
          }),
        );
        process.stdout.write(
          options.json ? `${JSON.stringify(result, null, 2)}\n` : `${evaluationTable(result)}\n`,
        );
      });
    }),
  );

program
  .command('reindex')
  .description(
    're-embed every document with the configured model into a new vector index, then swap the alias',
  )
  .requiredOption('--embeddings', 'recompute the vectors (the only kind of reindex so far)')
  .action(() =>
    guarded(async () => {
      const config = configOrExit();
      // The index may hold another model's vectors: that is why one re-embeds. Searches of running
      // servers keep using the old index until the alias swap.
      const logger = createLogger(config.logLevel);
      await withContext(
        config,
        logger,
        (connected) => ReindexCommandModule.forRoot(connected, logger),
        async (app) => {
          const indices = app.get<IndexNames>(INDICES);
          const embedder = app.get<Embedder>(EMBEDDER);
          process.stdout.write(`re-embedding ${indices.vectors} with ${embedder.id}\n`);
          const result = await new EmbeddingReindexer(app.get(Client), indices, embedder).run((progress) => {
            const line = `${progress.phase}: ${progress.chunks}/${progress.total} chunks`;
            if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
            else if (progress.phase !== 'embedding' || progress.chunks % 1024 < 64)
              process.stdout.write(`${line}\n`);
          });
          process.stdout.write(
            `${process.stdout.isTTY ? '\n' : ''}done: ${result.chunks} chunks re-embedded into ${result.to} ` +
              `(${result.caughtUp} caught up after the swap); ${result.from} removed. ` +
              'Restart running Quarry servers with the same QUARRY_EMBEDDER_MODEL.\n',
          );
        },
      );
    }),
  );

program
  .command('stdio')
  .description('serve MCP over stdin/stdout for desktop clients (logs go to stderr)')
  .action(() =>
    guarded(async () => {
      const config = configOrExit();
      // stdout carries the protocol: every log line goes to stderr.
      const logger = pino({ name: 'quarry', level: config.logLevel }, pino.destination(2));
      // stdio serves: it follows registry changes and other instances' writes like a server.
      const app = await openContext(config, logger, (connected) =>
        QuarryModule.forRoot(connected, logger, true),
      );
      const principal = { id: 'stdio', role: 'admin', unmetered: true } as const;
      const transport = new StdioServerTransport();
      const exit = () => void app.close().then(() => process.exit(0));
      process.stdin.on('end', exit);
      // Both eras: a 2025 client's initialize or a 2026-07-28 client's first request picks it.
      serveStdio(
        ({ era }) => createMcpServer(app.get(MCP), principal, 'mcp-stdio', { era, connection: true }),
        {
          transport,
          onerror: (error) => logger.debug({ err: error.message }, 'MCP stdio message refused'),
        },
      );
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

registerSourceCommands(program, (action) => guarded(() => withQuarry(action)));
registerClusterCommands(program, guarded);

void program.parseAsync(process.argv);
