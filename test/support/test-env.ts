import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createElasticsearchClient } from '@quarry/search';
import { loadConfig, type QuarryConfig } from '@quarry/config';

export function servicesFromSetup(): { elasticsearchUrl: string; redisUrl: string } {
  const elasticsearchUrl = process.env.QUARRY_TEST_ELASTICSEARCH_URL;
  const redisUrl = process.env.QUARRY_TEST_REDIS_URL;
  if (!elasticsearchUrl || !redisUrl)
    throw new Error('integration tests need the jest global setup (run them with `npm test`)');
  return { elasticsearchUrl, redisUrl };
}

/** A unique index prefix per test file, so files run in parallel without seeing each other's data. */
export function uniquePrefix(): string {
  return `qt-${randomBytes(4).toString('hex')}`;
}

/** Configuration pointing at the shared test services, on a random port, with its own indices. */
export function testConfig(env: Record<string, string> = {}): QuarryConfig {
  const { elasticsearchUrl, redisUrl } = servicesFromSetup();
  const config = loadConfig({
    ELASTICSEARCH_URL: elasticsearchUrl,
    REDIS_URL: redisUrl,
    QUARRY_INDEX_PREFIX: uniquePrefix(),
    LOG_LEVEL: 'silent',
    ...env,
  });
  return { ...config, port: 0 };
}

/** Removes every index and template a test prefix created. */
export async function dropIndices(prefix: string): Promise<void> {
  const client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 10_000);
  try {
    // The node refuses wildcard deletes (action.destructive_requires_name), so name each index.
    const indices = Object.keys(await client.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
    if (indices.length > 0) await client.indices.delete({ index: indices });
    await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
  } finally {
    await client.close();
  }
}

/** How often `eventually` looks again: a poll with a deadline, never a sleep that hopes. */
const POLL_INTERVAL_MS = 250;

/** Polls until `check` holds; fails with the last observed value instead of hanging. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await delay(POLL_INTERVAL_MS);
    last = await read();
  }
  return last;
}
