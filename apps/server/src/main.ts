// First: the mode must be set before any library reads it.
import './production-mode';
import { assertSupportedNode, ConfigError, loadConfig } from '@quarry/config';
import { ensureServices, ServiceError } from '@quarry/services';
import { createLogger } from '@quarry/observability';
import { QuarryError } from '@quarry/core';
import { startBanner } from './banner';
import { startServer } from './server';

/**
 * Starts the services (embedded by default), then runs one Quarry instance in the foreground until SIGINT/SIGTERM, then shuts down gracefully:
 * stop accepting connections, finish in-flight requests, close Elasticsearch and Redis clients.
 * The services themselves keep running so other instances (and the next start) reuse them.
 */
export async function main(): Promise<void> {
  assertSupportedNode();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`quarry: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  try {
    const logger = createLogger(config.logLevel, 'quarry', config.logFormat);
    // The embedded Elasticsearch and Redis (or the configured ones, checked); the server only connects.
    const endpoints = await ensureServices(config, (message) => logger.info(message));
    const server = await startServer({ ...config, ...endpoints });
    process.stdout.write(
      startBanner(server.url, {
        elasticsearchUrl: endpoints.elasticsearchUrl,
        embedded: !config.elasticsearchUrl,
        redisUrl: endpoints.redisUrl,
      }),
    );
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  } catch (error) {
    if (error instanceof ServiceError || error instanceof QuarryError) {
      process.stderr.write(`quarry: cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (require.main === module) {
  void main();
}
