import { Command } from 'commander';
import { ConfigError, loadConfig, type QuarryConfig } from '@quarry/config';
import { ensureServices, servicesStatus, ServiceError, stopServices } from '@quarry/services';

function configOrExit(): QuarryConfig {
  try {
    return loadConfig();
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
    if (error instanceof ServiceError) {
      process.stderr.write(`quarry: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const program = new Command('quarry').description(
  'Quarry: search for agents and apps over MCP, GraphQL and REST',
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
