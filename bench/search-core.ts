import type { Client } from '@elastic/elasticsearch';
import { loadConfig } from '@quarry/config';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import { createElasticsearchClient } from '@quarry/search';
import { ensureServices, type ServiceEndpoints } from '@quarry/services';

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
