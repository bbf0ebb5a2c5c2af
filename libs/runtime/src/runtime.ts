import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import type { QuarryConfig } from '@quarry/config';
import { MessageManager } from '@quarry/core';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import { createRedisConnection, RedisBus } from '@quarry/live';
import { createLogger, HealthChecker, type Logger } from '@quarry/observability';
import {
  createElasticsearchClient,
  DocumentRepository,
  indexNames,
  IngestService,
  SearchRepository,
  SearchService,
  searchOperations,
  setupIndices,
  type DocumentChange,
  type IndexNames,
} from '@quarry/search';
import { ensureServices, type ServiceEndpoints } from '@quarry/services';
import { healthOperation, requestLogPlugin } from './operations';

/** Channel on which every instance announces document changes (live results, caches). */
export const DOCUMENT_CHANGES_CHANNEL = 'quarry:documents';

/** The connections and services one Quarry process holds; created once at start, closed once at shutdown. */
export interface QuarryRuntime {
  config: QuarryConfig;
  endpoints: ServiceEndpoints;
  logger: Logger;
  elasticsearch: Client;
  redis: Redis;
  bus: RedisBus;
  indices: IndexNames;
  health: HealthChecker;
  embedder: Embedder;
  search: SearchService;
  ingest: IngestService;
  manager: MessageManager;
  close(): Promise<void>;
}

export const RUNTIME = Symbol('QuarryRuntime');

export async function createRuntime(
  config: QuarryConfig,
  endpoints: ServiceEndpoints,
  logger = createLogger(config.logLevel),
): Promise<QuarryRuntime> {
  const embedder = await createEmbedder(
    config.embedder.kind === 'local' ? { kind: 'local' } : { ...config.embedder, timeoutMs: config.requestTimeoutMs },
  );
  const elasticsearch = createElasticsearchClient(endpoints.elasticsearchUrl, config.requestTimeoutMs);
  const redis = createRedisConnection(endpoints.redisUrl, 'commands');
  redis.on('error', (error) => logger.debug({ err: error.message }, 'redis connection error'));
  const bus = new RedisBus(endpoints.redisUrl);
  const indices = indexNames(config.indexPrefix);
  const documents = new DocumentRepository(elasticsearch, indices.docs);
  const searchRepository = new SearchRepository(elasticsearch, indices.docs);
  const search = new SearchService(searchRepository, embedder, indices);
  const publishChanges = (changes: DocumentChange[]) =>
    bus.publish(DOCUMENT_CHANGES_CHANNEL, { changes }).catch((error: Error) => logger.warn({ err: error.message }, 'change not published'));
  const ingest = new IngestService(documents, embedder, indices, {}, (changes) => void publishChanges(changes));
  const health = new HealthChecker(elasticsearch, redis);
  const manager = new MessageManager()
    .register(...searchOperations({ search, ingest, documents, repository: searchRepository }), healthOperation(health))
    .use(requestLogPlugin(logger));
  return {
    config,
    endpoints,
    logger,
    elasticsearch,
    redis,
    bus,
    indices,
    health,
    embedder,
    search,
    ingest,
    manager,
    async close() {
      await bus.close();
      redis.disconnect();
      await elasticsearch.close();
      await embedder.close();
    },
  };
}

/**
 * Services (embedded or configured), connections, then indices: everything a process needs
 * before it can serve. Shared by the server, the CLI and stdio.
 */
export async function bootRuntime(config: QuarryConfig, logger = createLogger(config.logLevel)): Promise<QuarryRuntime> {
  const endpoints = await ensureServices(config, (message) => logger.info(message));
  const runtime = await createRuntime(config, endpoints, logger);
  try {
    const indices = await setupIndices(runtime.elasticsearch, config.indexPrefix, runtime.embedder);
    for (const index of indices) logger.info({ alias: index.alias, index: index.index, action: index.action }, 'index ready');
    return runtime;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
