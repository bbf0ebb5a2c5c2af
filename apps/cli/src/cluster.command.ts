import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  clusterStatus,
  clusterUrl,
  startEmbeddedCluster,
  stopEmbeddedCluster,
} from '@quarry/embedded-elasticsearch';
import { ServiceError } from '@quarry/services';

function positiveInt(name: string) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535)
      throw new InvalidArgumentError(`${name} must be a positive whole number, got "${raw}"`);
    return Number(raw);
  };
}

/**
 * `quarry cluster up|down|status`: a local N-node cluster of the embedded Elasticsearch, to run
 * Quarry on a real cluster (several nodes, shards and replicas, failover) on one machine.
 */
export function registerClusterCommands(
  program: Command,
  guarded: (action: () => Promise<void>) => Promise<void>,
) {
  const cluster = program
    .command('cluster')
    .description(
      'a local multi-node cluster of the embedded Elasticsearch (pid files and data in --data-dir)',
    );
  cluster
    .command('up')
    .description('start N nodes (HTTP ports P..P+N-1) and print the ELASTICSEARCH_URL that lists them')
    .option('--nodes <n>', 'number of nodes (1-9)', positiveInt('--nodes'), 3)
    .option('--http-port <port>', 'HTTP port of the first node', positiveInt('--http-port'), 19201)
    .option(
      '--transport-port <port>',
      'transport port of the first node (default: HTTP port + 1000)',
      positiveInt('--transport-port'),
    )
    .requiredOption('--data-dir <dir>', "the cluster's data, logs and pid files")
    .option('--heap <size>', 'JVM heap of each node', '384m')
    .action(
      (options: { nodes: number; httpPort: number; transportPort?: number; dataDir: string; heap: string }) =>
        guarded(async () => {
          if (!/^\d+[mg]$/i.test(options.heap))
            throw new ServiceError(
              'quarry cluster',
              `--heap must look like 384m or 1g, got "${options.heap}"`,
            );
          const nodes = await startEmbeddedCluster({
            nodes: options.nodes,
            httpPort: options.httpPort,
            transportPort: options.transportPort,
            dataDir: path.resolve(options.dataDir),
            heap: options.heap,
            log: (message) => process.stderr.write(`${message}\n`),
          });
          for (const node of nodes)
            process.stderr.write(
              `${node.name}: ${node.url} (transport ${node.transportPort}, pid ${node.pid})\n`,
            );
          process.stdout.write(`ELASTICSEARCH_URL=${clusterUrl(nodes)}\n`);
        }),
    );
  cluster
    .command('down')
    .description('stop exactly the nodes started with this --data-dir')
    .requiredOption('--data-dir <dir>', 'the directory given to `cluster up`')
    .action((options: { dataDir: string }) =>
      guarded(async () => {
        process.stdout.write((await stopEmbeddedCluster({ dataDir: options.dataDir })).join('\n') + '\n');
      }),
    );
  cluster
    .command('status')
    .description('which nodes of the cluster in --data-dir are running')
    .requiredOption('--data-dir <dir>', 'the directory given to `cluster up`')
    .action((options: { dataDir: string }) =>
      guarded(async () => {
        const nodes = clusterStatus(options.dataDir);
        if (nodes.length === 0)
          process.stdout.write(`no cluster recorded in ${path.resolve(options.dataDir)}\n`);
        for (const { node, alive } of nodes)
          process.stdout.write(
            `${node.name} ${node.url} pid ${node.pid}: ${alive ? 'running' : 'not running'}\n`,
          );
      }),
    );
}
