import type { Client } from '@elastic/elasticsearch';
import { loadConfig } from '@quarry/config';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import { createElasticsearchClient } from '@quarry/search';
import { ensureServices, type ServiceEndpoints } from '@quarry/services';
import { startServer, type RunningServer } from '../apps/server/src/server';

/**
 * The search core's parts as the offline benches use them, without a server: the configured
 * services (started if needed) and their endpoints, an Elasticsearch client and the configured model, closed after
 * `action`.
 */
export async function withSearchCore<T>(
  action: (core: { client: Client; embedder: Embedder; endpoints: ServiceEndpoints }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const client = createElasticsearchClient(endpoints.elasticsearchUrl, 60_000);
  const embedder = await createEmbedder(
    config.embedder.kind === 'local' ? { ...config.embedder, dataDir: config.dataDir } : config.embedder,
  );
  try {
    return await action({ client, embedder, endpoints });
  } finally {
    await embedder.close();
    await client.close();
  }
}

/**
 * A Quarry server in this process on the core's services and `prefix`'s indices, as the search
 * benches measure it: unmetered (the rate limiter is measured in bench/run.ts), query cache off.
 */
export function startBenchServer(
  endpoints: ServiceEndpoints,
  prefix: string,
  embedder: Embedder,
): Promise<RunningServer> {
  return startServer(
    {
      ...loadConfig({
        ...process.env,
        LOG_LEVEL: 'warn',
        QUARRY_RATE_LIMIT_READ: '0',
        QUARRY_RATE_LIMIT_WRITE: '0',
      }),
      elasticsearchUrl: endpoints.elasticsearchUrl,
      redisUrl: endpoints.redisUrl,
      redisUrlExplicit: true,
      indexPrefix: prefix,
      queryCacheTtlSeconds: 0,
      port: 0,
    },
    { embedder },
  );
}
