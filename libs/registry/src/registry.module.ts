import { Module } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { MessageManager, Operations, type OperationSource, type Principal } from '@quarry/core';
import { REGISTRY_CHANNEL, RedisBus } from '@quarry/redis';
import { DocumentRepository, INDICES, SearchModule, SearchRepository, type IndexNames } from '@quarry/search';
import { PromptManager } from './prompt.manager';
import { answerWithCitations } from './prompts';
import { registryOperations } from './registry.operations';
import { RegistryRepository } from './registry.repository';
import { ResourceManager } from './resource.manager';
import { RedisResourceCache } from './resource.cache';
import { IndexResourceSource } from './resource.source';
import { ToolRegistry } from './tool.registry';

@Operations()
export class RegistryOperations implements OperationSource {
  constructor(
    private readonly manager: MessageManager,
    private readonly tools: ToolRegistry,
    private readonly prompts: PromptManager,
    private readonly resources: ResourceManager,
    private readonly registry: RegistryRepository,
    private readonly source: IndexResourceSource,
    private readonly bus: RedisBus,
  ) {}

  operations() {
    const { manager, tools, prompts, resources, registry, source, bus } = this;
    return registryOperations({
      manager,
      tools,
      prompts,
      resources,
      registry,
      complete: async (principal: Principal, kind: 'collection' | 'document', prefix: string) =>
        kind === 'collection'
          ? (await source.listCollections(principal))
              .map((c) => c.name)
              .filter((name) => name.startsWith(prefix))
          : source.documentIdsStartingWith(principal, prefix, 100),
      announce: async (kind) => {
        await bus.publish(REGISTRY_CHANNEL, { kind });
      },
    });
  }
}

/** Tools (built-in and saved searches), prompts and resources, as MCP and every edge list them. */
@Module({
  imports: [SearchModule],
  providers: [
    {
      provide: ToolRegistry,
      inject: [MessageManager],
      useFactory: (manager: MessageManager) => new ToolRegistry(() => manager.list()),
    },
    {
      provide: PromptManager,
      inject: [MessageManager, CONFIG],
      useFactory: (manager: MessageManager, config: QuarryConfig) => {
        const prompts = new PromptManager();
        prompts.addDynamic(answerWithCitations(manager, config.answerTokens));
        return prompts;
      },
    },
    {
      provide: RegistryRepository,
      inject: [Client, INDICES],
      useFactory: (client: Client, indices: IndexNames) => new RegistryRepository(client, indices.meta),
    },
    {
      provide: IndexResourceSource,
      inject: [Client, INDICES, DocumentRepository, SearchRepository],
      useFactory: (
        client: Client,
        indices: IndexNames,
        documents: DocumentRepository,
        search: SearchRepository,
      ) => new IndexResourceSource(client, indices.docs, documents, search),
    },
    {
      provide: RedisResourceCache,
      inject: [Redis, CONFIG],
      useFactory: (redis: Redis, config: QuarryConfig) => new RedisResourceCache(redis, config.indexPrefix),
    },
    {
      provide: ResourceManager,
      inject: [IndexResourceSource, RedisResourceCache],
      useFactory: (source: IndexResourceSource, cache: RedisResourceCache) =>
        new ResourceManager(source, cache),
    },
    RegistryOperations,
  ],
  exports: [ToolRegistry, PromptManager, ResourceManager, RedisResourceCache, RegistryRepository],
})
export class RegistryModule {}
