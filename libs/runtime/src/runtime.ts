import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import type { QuarryConfig } from '@quarry/config';
import * as path from 'node:path';
import { findRepoRoot } from '@quarry/config';
import {
  collectionUri,
  documentUri,
  MessageManager,
  PromptManager,
  ResourceManager,
  SessionHub,
  ToolRegistry,
  type McpDependencies,
  type PromptTemplate,
} from '@quarry/core';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import { createRedisConnection, RedisBus, RedisResourceCache } from '@quarry/live';
import { createLogger, HealthChecker, type Logger } from '@quarry/observability';
import {
  createElasticsearchClient,
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
  type DocumentChange,
  type IndexNames,
} from '@quarry/search';
import { ensureServices, type ServiceEndpoints } from '@quarry/services';
import { healthOperation, requestLogPlugin } from './operations';
import { answerWithCitations, loadPromptFiles } from './prompts';
import { REGISTRY_CHANNEL, registryOperations } from './registry.operations';

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
  const registry = new RegistryRepository(elasticsearch, indices.meta);
  const manager = new MessageManager()
    .register(...searchOperations({ search, ingest, documents, repository: searchRepository }), healthOperation(health))
    .use(requestLogPlugin(logger));
  const tools = new ToolRegistry(manager.list());
  const prompts = new PromptManager();
  prompts.addDynamic(answerWithCitations(manager));
  const resourceCache = new RedisResourceCache(redis, config.indexPrefix);
  const resourceSource = new IndexResourceSource(elasticsearch, indices.docs, documents, searchRepository);
  const resources = new ResourceManager(resourceSource, resourceCache);
  const hub = new SessionHub();
  manager.register(
    ...registryOperations({
      manager,
      tools,
      prompts,
      resources,
      registry,
      announce: async (kind) => {
        await bus.publish(REGISTRY_CHANNEL, { kind });
      },
    }),
  );

  const reloadTools = async () => {
    const saved = await registry.list<SavedSearchDefinition>('tool');
    tools.replaceSaved(saved.map((entry) => savedSearchTool(entry.definition)));
  };
  const reloadPrompts = async () => {
    const stored = await registry.list<PromptTemplate>('prompt');
    prompts.replaceTemplates(stored.map((entry) => entry.definition));
  };
  const unsubscribers: (() => Promise<void>)[] = [];
  const startRegistrySync = async () => {
    for (const template of await loadPromptFiles(path.join(findRepoRoot(), 'prompts'))) {
      const current = await registry.get<PromptTemplate>('prompt', template.name);
      if (JSON.stringify(current?.definition) !== JSON.stringify(template)) await registry.put('prompt', template.name, template, template.description);
    }
    await Promise.all([reloadTools(), reloadPrompts()]);
    unsubscribers.push(
      await bus.subscribe(REGISTRY_CHANNEL, (message) => {
        const kind = (message as { kind?: string }).kind;
        const reload = kind === 'prompt' ? reloadPrompts().then(() => hub.promptsChanged()) : reloadTools().then(() => hub.toolsChanged());
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
  };
  const mcp: McpDependencies = {
    manager,
    tools,
    prompts,
    resources,
    hub,
    version: VERSION,
    complete: async (principal, kind, prefix) =>
      kind === 'collection'
        ? (await resourceSource.listCollections(principal)).map((c) => c.name).filter((name) => name.startsWith(prefix))
        : resourceSource.documentIdsStartingWith(principal, prefix, 100),
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
    mcp,
    startRegistrySync,
    async close() {
      for (const unsubscribe of unsubscribers) await unsubscribe().catch(() => undefined);
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
    await runtime.startRegistrySync();
    return runtime;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
