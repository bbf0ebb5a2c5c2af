import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import type { QuarryConfig } from '@quarry/config';
import * as path from 'node:path';
import { findRepoRoot } from '@quarry/config';
import {
  collectionUri,
  ConnectionRegistry,
  documentUri,
  MessageManager,
  PromptManager,
  ResourceManager,
  SessionHub,
  ToolRegistry,
  type McpDependencies,
  type Principal,
  type PromptTemplate,
} from '@quarry/core';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import {
  createRedisConnection,
  liveOperations,
  LiveQueryRepository,
  LiveQueryService,
  QueryCache,
  RedisBus,
  RedisResourceCache,
} from '@quarry/live';
import { createLogger, HealthChecker, QuarryMetrics, type Logger } from '@quarry/observability';
import { RateLimiter } from '@quarry/auth';
import {
  AuditWriter,
  createElasticsearchClient,
  ChunkRepository,
  DocumentRepository,
  IndexResourceSource,
  RegistryRepository,
  savedSearchTool,
  type SavedSearchDefinition,
  indexNames,
  IngestService,
  SearchRepository,
  SearchService,
  searchOperations,
  setupIndices,
  EmbeddingReindexer,
  ReindexJobs,
  reindexOperations,
  type IndexSetupOptions,
  type ChangedDocument,
  type DocumentChange,
  type IndexNames,
} from '@quarry/search';
import { ensureServices, type ServiceEndpoints } from '@quarry/services';
import { createIngestion, jobProgress, type Ingestion } from '@quarry/ingest';
import { healthOperation, requestLogPlugin } from './operations';
import { auditPlugin, metricsPlugin } from './plugins';
import { writesNeedRedis } from './redis-writes.plugin';
import { answerWithCitations, loadPromptFiles } from './prompts';
import { REGISTRY_CHANNEL, registryOperations } from './registry.operations';
import { apiKeyOperations, createAuthenticator } from './api-keys';
import type { Authenticator } from '@quarry/auth';

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
  registry: RegistryRepository;
  auth: Authenticator;
  metrics: QuarryMetrics;
  queryCache: QueryCache;
  /** Live queries: GraphQL subscriptions, matched against every ingest batch of every instance. */
  live: LiveQueryService;
  /** Sources, sync jobs and their scheduler. */
  ingestion: Ingestion;
  /** Open sockets and sessions by principal, closed when their key is revoked or their token expires. */
  connections: ConnectionRegistry;
  /** What MCP sessions need; one hub per process delivers notifications to this instance's sessions. */
  mcp: McpDependencies;
  /** Loads saved tools and prompts from the registry and starts following changes from every instance. */
  startRegistrySync(): Promise<void>;
  close(): Promise<void>;
}

const VERSION: string = (require(path.join(findRepoRoot(), 'package.json')) as { version: string }).version;

export const RUNTIME = Symbol('QuarryRuntime');

export async function createRuntime(
  config: QuarryConfig,
  endpoints: ServiceEndpoints,
  logger = createLogger(config.logLevel),
): Promise<QuarryRuntime> {
  const metrics = new QuarryMetrics();
  const embedder = timedEmbedder(
    await createEmbedder(
      config.embedder.kind === 'local'
        ? { ...config.embedder, dataDir: config.dataDir }
        : { ...config.embedder, timeoutMs: config.requestTimeoutMs },
    ),
    metrics,
  );
  const elasticsearch = createElasticsearchClient(endpoints.elasticsearchUrl, config.requestTimeoutMs);
  instrumentElasticsearch(elasticsearch, metrics);
  const redis = createRedisConnection(endpoints.redisUrl, 'commands');
  redis.on('error', (error) => logger.debug({ err: error.message }, 'redis connection error'));
  const bus = new RedisBus(endpoints.redisUrl);
  const indices = indexNames(config.indexPrefix);
  const documents = new DocumentRepository(elasticsearch, indices.docs);
  const searchRepository = new SearchRepository(elasticsearch, indices.docs);
  const search = new SearchService(searchRepository, embedder, indices);
  const queryCache = new QueryCache(redis, config.indexPrefix, config.queryCacheTtlSeconds, {
    hit: () => metrics.cacheHits.inc(),
    miss: () => metrics.cacheMisses.inc(),
    invalidationDeferred: (error) =>
      logger.warn(
        { err: error.message },
        'query cache not invalidated (Redis unavailable); the cache is bypassed until Redis is back',
      ),
  });
  const makeVisible = () => documents.refresh(indices.docs, indices.vectors);
  const publishChanges = async (changes: DocumentChange[], visible: boolean) => {
    const collections = changes.flatMap((c) =>
      c.previousCollection ? [c.collection, c.previousCollection] : [c.collection],
    );
    await queryCache.invalidate(collections, visible ? undefined : makeVisible);
    await bus
      .publish(DOCUMENT_CHANGES_CHANNEL, { changes })
      .catch((error: Error) => logger.warn({ err: error.message }, 'change not published'));
  };
  const live = new LiveQueryService(
    { repository: new LiveQueryRepository(elasticsearch, indices), redis, bus, search, logger },
    // The live semantic floor depends on the model: e5 puts unrelated text near 0.8, MiniLM near 0.1.
    {
      prefix: config.indexPrefix,
      ...(embedder.model.similarityFloor === undefined
        ? {}
        : { minSimilarity: embedder.model.similarityFloor }),
    },
  );
  const ingest = new IngestService(
    documents,
    embedder,
    indices,
    {},
    async (changes: DocumentChange[], changed: ChangedDocument[], visible: boolean) => {
      // Queued, not awaited: live matching runs beside the ingest and never delays its answer.
      live.documentsChanged(changed);
      await publishChanges(changes, visible);
    },
  );
  const health = new HealthChecker(elasticsearch, redis);
  const registry = new RegistryRepository(elasticsearch, indices.meta);
  const audit = new AuditWriter(elasticsearch, indices.audit);
  const manager = new MessageManager()
    .register(
      ...searchOperations({
        search,
        ingest,
        documents,
        repository: searchRepository,
        cache: queryCache,
        chunks: new ChunkRepository(elasticsearch, indices.vectors),
      }),
      healthOperation(health),
    )
    .use(writesNeedRedis(redis))
    .use(
      new RateLimiter(redis, config.rateLimits, {
        limited: (budget) => metrics.rateLimited.inc({ budget }),
        failOpen: (budget, error) => {
          metrics.rateLimiterFailOpen.inc();
          logger.warn(
            { budget, err: error.message },
            'rate limiter cannot reach Redis: reads pass unmetered',
          );
        },
      }),
    )
    .use(requestLogPlugin(logger))
    .use(metricsPlugin(metrics))
    .use(auditPlugin(logger, (entry) => audit.record(entry)));
  const tools = new ToolRegistry(manager.list());
  const prompts = new PromptManager();
  prompts.addDynamic(answerWithCitations(manager));
  const resourceCache = new RedisResourceCache(redis, config.indexPrefix);
  const resourceSource = new IndexResourceSource(elasticsearch, indices.docs, documents, searchRepository);
  const resources = new ResourceManager(resourceSource, resourceCache);
  const hub = new SessionHub();
  const complete = async (principal: Principal, kind: 'collection' | 'document', prefix: string) =>
    kind === 'collection'
      ? (await resourceSource.listCollections(principal))
          .map((c) => c.name)
          .filter((name) => name.startsWith(prefix))
      : resourceSource.documentIdsStartingWith(principal, prefix, 100);
  manager.register(
    ...registryOperations({
      manager,
      tools,
      prompts,
      resources,
      registry,
      complete,
      announce: async (kind) => {
        await bus.publish(REGISTRY_CHANNEL, { kind });
      },
    }),
  );

  manager.register(...liveOperations(live));
  // Re-embedding every chunk with this instance's model into a new vector index (POST /v1/reindex).
  const reindexJobs = new ReindexJobs(() => new EmbeddingReindexer(elasticsearch, indices, embedder));
  manager.register(...reindexOperations(reindexJobs));
  // Sources that stay in sync, their jobs, and browsing and cleaning up documents.
  const ingestion = createIngestion({
    elasticsearch,
    indices,
    ingest,
    // Sync jobs report like ingest jobs: GraphQL ingestProgress(jobId) and watch_ingest follow them.
    onJobUpdate: (job) => void live.reportProgress(jobProgress(job)),
    metrics: {
      advanced: (stage, items) => metrics.ingestJobItems.inc({ stage }, items),
      ended: (status) => metrics.ingestJobs.inc({ status }),
    },
    redis,
    lockPrefix: `${config.indexPrefix}:ingest`,
    onSchedulerError: (error) => logger.warn({ err: error.message }, 'scheduled sync round failed'),
  });
  manager.register(...ingestion.operations);

  const auth = createAuthenticator(config, registry, redis);
  const connections = new ConnectionRegistry();
  manager.register(
    ...apiKeyOperations(registry, redis, async (revoked) => {
      await auth.reload();
      await bus.publish(REGISTRY_CHANNEL, { kind: 'api_key', ...(revoked ? { revoked } : {}) });
    }),
  );

  const reloadTools = async () => {
    const saved = await registry.list<SavedSearchDefinition>('tool');
    tools.replaceSaved(saved.map((entry) => savedSearchTool(entry.definition)));
  };
  const reloadPrompts = async () => {
    const stored = await registry.list<PromptTemplate>('prompt');
    for (const refused of prompts.replaceTemplates(stored.map((entry) => entry.definition)))
      logger.warn(refused, 'stored prompt refused: its template is not valid Mustache');
  };
  const unsubscribers: (() => Promise<void>)[] = [];
  const startRegistrySync = async () => {
    for (const template of await loadPromptFiles(path.join(findRepoRoot(), 'prompts'))) {
      const current = await registry.get<PromptTemplate>('prompt', template.name);
      if (JSON.stringify(current?.definition) !== JSON.stringify(template))
        await registry.put('prompt', template.name, template, template.description);
    }
    await Promise.all([reloadTools(), reloadPrompts(), auth.reload()]);
    unsubscribers.push(
      await bus.subscribe(REGISTRY_CHANNEL, (message) => {
        const { kind, revoked } = message as { kind?: string; revoked?: string };
        if (revoked) connections.closeFor(revoked, 'the API key has been revoked');
        const reload =
          kind === 'prompt'
            ? reloadPrompts().then(() => hub.promptsChanged())
            : kind === 'api_key'
              ? auth.reload()
              : reloadTools().then(() => hub.toolsChanged());
        reload.catch((error: Error) => logger.warn({ err: error.message }, 'registry reload failed'));
      }),
      await bus.subscribe(DOCUMENT_CHANGES_CHANNEL, (message) => {
        const changes = (message as { changes?: DocumentChange[] }).changes ?? [];
        const uris = changes.flatMap((c) => [documentUri(c.id), collectionUri(c.collection)]);
        resourceCache.invalidate(uris).catch(() => undefined);
        hub.resourcesUpdated(uris);
        if (changes.some((c) => c.change !== 'updated')) hub.resourceListChanged();
      }),
    );
    await live.start();
  };
  const mcp: McpDependencies = {
    manager,
    tools,
    prompts,
    resources,
    hub,
    version: VERSION,
  };
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
    registry,
    auth,
    metrics,
    queryCache,
    live,
    ingestion,
    connections,
    mcp,
    startRegistrySync,
    async close() {
      await ingestion.close();
      await reindexJobs.close();
      await live.close();
      for (const unsubscribe of unsubscribers) await unsubscribe().catch(() => undefined);
      await audit.close();
      await bus.close();
      redis.disconnect();
      await elasticsearch.close();
      await embedder.close();
    },
  };
}

/** Embedding latency for the metrics, whichever provider. */
function timedEmbedder(embedder: Embedder, metrics: QuarryMetrics): Embedder {
  const timed =
    (embed: (texts: string[], signal?: AbortSignal) => Promise<number[][]>) =>
    async (texts: string[], signal?: AbortSignal) => {
      const end = metrics.embeddingDuration.startTimer();
      try {
        return await embed(texts, signal);
      } finally {
        end();
      }
    };
  return {
    id: embedder.id,
    dims: embedder.dims,
    model: embedder.model,
    close: () => embedder.close(),
    embedQueries: timed((texts, signal) => embedder.embedQueries(texts, signal)),
    embedPassages: timed((texts, signal) => embedder.embedPassages(texts, signal)),
  };
}

/**
 * Elasticsearch latency per API (search, bulk, mget, ...) from the client's own request events.
 * (The request id reaches Elasticsearch as X-Opaque-Id through the client's connection:
 * RequestIdConnection in @quarry/search.)
 */
function instrumentElasticsearch(client: Client, metrics: QuarryMetrics): void {
  const started = new Map<unknown, number>();
  client.diagnostic.on('request', (_error, event) => {
    if (event) started.set(event.meta.request.id, performance.now());
  });
  client.diagnostic.on('response', (_error, event) => {
    if (!event) return;
    const begin = started.get(event.meta.request.id);
    started.delete(event.meta.request.id);
    if (begin === undefined) return;
    const operation =
      event.meta.name && event.meta.name !== 'elasticsearch-js'
        ? String(event.meta.name)
        : apiOf(event.meta.request.params.path);
    metrics.elasticsearchDuration.observe({ operation }, (performance.now() - begin) / 1000);
  });
}

function apiOf(path: string): string {
  const api = path.split('/').find((part) => part.startsWith('_'));
  return api ? api.slice(1) : 'document';
}

/**
 * Services (embedded or configured), connections, then indices: everything a process needs
 * before it can serve. Shared by the server, the CLI and stdio.
 */
export async function bootRuntime(
  config: QuarryConfig,
  logger = createLogger(config.logLevel),
  /** `allowModelMismatch`: only for `quarry reindex --embeddings`, which re-embeds before anything searches. */
  indexOptions: IndexSetupOptions = {},
): Promise<QuarryRuntime> {
  const endpoints = await ensureServices(config, (message) => logger.info(message));
  const runtime = await createRuntime(config, endpoints, logger);
  try {
    const indices = await setupIndices(
      runtime.elasticsearch,
      config.indexPrefix,
      runtime.embedder,
      indexOptions,
    );
    for (const index of indices)
      logger.info(
        { alias: index.alias, index: index.index, action: index.action, modelMismatch: index.modelMismatch },
        'index ready',
      );
    await runtime.startRegistrySync();
    return runtime;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
