import 'tsconfig-paths/register';
import { loadConfig } from '@quarry/config';
import { ensureServices } from '@quarry/services';

/**
 * Starts (or reuses) the real Elasticsearch node and Redis for the integration tests and hands
 * their URLs to the test workers through the environment. Jest does not apply moduleNameMapper
 * to the global setup, hence tsconfig-paths for the @quarry/* aliases.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const endpoints = await ensureServices(loadConfig(process.env), (message) =>
    process.stdout.write(`\n[services] ${message}`),
  );
  process.env.QUARRY_TEST_ELASTICSEARCH_URL = endpoints.elasticsearchUrl;
  process.env.QUARRY_TEST_REDIS_URL = endpoints.redisUrl;
  process.stdout.write(`\n[services] ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
