import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { OperationRef } from '@quarry/core';
import { ADD_SOURCE, describeJob, LIST_SOURCES, REMOVE_SOURCE, SYNC_SOURCE } from '@quarry/ingest';
import { CLI_PRINCIPAL, type CommandScope } from './command.context';

type WithQuarry = (action: (quarry: CommandScope) => Promise<void>) => Promise<void>;

function call<A, R>(quarry: CommandScope, op: OperationRef<A, R>, args: unknown): Promise<R> {
  return quarry.manager.handle({
    op,
    args,
    principal: CLI_PRINCIPAL,
    transport: 'cli',
    requestId: randomUUID(),
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `quarry source add|sync|list|remove`: sources that stay in sync, run in this process. */
export function registerSourceCommands(program: Command, withQuarry: WithQuarry): void {
  const source = program.command('source').description('sources that stay in sync (directory, http-json)');
  source
    .command('add')
    .description('define a source')
    .argument('<name>', 'source name (lowercase letters, digits, - and _); document ids start with it')
    .requiredOption('-c, --collection <name>', 'collection its documents go to')
    .option('-t, --type <type>', 'directory or http-json', 'directory')
    .option('--path <folder>', 'directory: the folder')
    .option('--include <glob>', 'directory: only files matching (repeatable)', collect)
    .option('--exclude <glob>', 'directory: leave files matching out (repeatable)', collect)
    .option('--url <url>', 'http-json: first page URL')
    .option('--header <name:value>', 'http-json: request header (repeatable)', collect)
    .option('--items-path <path>', 'http-json: dotted path of the item array in a page')
    .option('--page-param <name>', 'http-json: page-number pagination with this query parameter')
    .option('--cursor-param <name>', 'http-json: cursor pagination with this query parameter')
    .option('--next-path <path>', 'http-json: dotted path of the next cursor in a page', 'next')
    .option('--map <field=path>', 'http-json: id=, body=, title=, tags=, url= (repeatable)', collect)
    .option('--rate <n>', 'http-json: requests per second at most', Number)
    .action((name: string, options: Record<string, string | string[] | number | undefined>) =>
      withQuarry(async (quarry) => {
        const list = (key: string) => options[key] as string[] | undefined;
        const pagination = options.pageParam
          ? { type: 'page', param: options.pageParam }
          : options.cursorParam
            ? { type: 'cursor', param: options.cursorParam, nextPath: options.nextPath }
            : undefined;
        const definition = await call(quarry, ADD_SOURCE, {
          name,
          type: options.type,
          collection: options.collection,
          ...(options.path ? { path: options.path } : {}),
          ...(list('include') ? { include: list('include') } : {}),
          ...(list('exclude') ? { exclude: list('exclude') } : {}),
          ...(options.url ? { url: options.url } : {}),
          ...(list('header')
            ? {
                headers: Object.fromEntries(
                  list('header')!.map((h) => [
                    h.slice(0, h.indexOf(':')).trim(),
                    h.slice(h.indexOf(':') + 1).trim(),
                  ]),
                ),
              }
            : {}),
          ...(options.itemsPath ? { itemsPath: options.itemsPath } : {}),
          ...(pagination ? { pagination } : {}),
          ...(list('map')
            ? { mapping: Object.fromEntries(list('map')!.map((m) => m.split('=').map((s) => s.trim()))) }
            : {}),
          ...(options.rate ? { requestsPerSecond: options.rate } : {}),
        });
        process.stdout.write(
          `source ${definition.name} (${definition.type}) → collection ${definition.collection}\n`,
        );
      }),
    );
  source
    .command('sync')
    .description('sync a source now and report every item that was skipped or failed')
    .argument('<name>')
    .action((name: string) =>
      withQuarry(async (quarry) => {
        const job = await call(quarry, SYNC_SOURCE, { name, wait: true });
        process.stdout.write(`${describeJob(job)}\n`);
        if (job.status !== 'succeeded' || job.counts.skipped || job.counts.failed) process.exitCode = 1;
      }),
    );
  source
    .command('list')
    .description('list the sources')
    .action(() =>
      withQuarry(async (quarry) => {
        const { sources } = await call(quarry, LIST_SOURCES, {});
        for (const s of sources)
          process.stdout.write(
            `${s.name}  ${s.type}  → ${s.collection}  ${s.path ?? s.url ?? ''}  last sync ${s.last_sync ?? 'never'}\n`,
          );
        if (sources.length === 0) process.stdout.write('no sources\n');
      }),
    );
  source
    .command('remove')
    .description('remove a source and the documents it brought in')
    .argument('<name>')
    .option('--keep-documents', 'leave its documents in the index', false)
    .action((name: string, options: { keepDocuments: boolean }) =>
      withQuarry(async (quarry) => {
        const result = await call(quarry, REMOVE_SOURCE, {
          name,
          keepDocuments: options.keepDocuments,
        });
        process.stdout.write(`removed source ${name} and ${result.deletedDocuments} documents\n`);
      }),
    );
}
