import * as path from 'node:path';
import {
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Authenticator } from '@quarry/auth';
import { findRepoRoot, SERVING } from '@quarry/config';
import {
  collectionUri,
  ConnectionRegistry,
  documentUri,
  MessageManager,
  Operations,
  PromptManager,
  ResourceManager,
  SessionHub,
  ToolRegistry,
  type OperationSource,
  type Principal,
  type PromptTemplate,
} from '@quarry/core';
import { DOCUMENT_CHANGES_CHANNEL } from '@quarry/live';
import { LOGGER, type Logger } from '@quarry/observability';
import { RedisBus, RedisResourceCache } from '@quarry/redis';
import {
  IndexResourceSource,
  RegistryRepository,
  savedSearchTool,
  SearchModule,
  type DocumentChange,
  type SavedSearchDefinition,
} from '@quarry/search';
import { AuthModule } from './auth.module';
import { answerWithCitations, loadPromptFiles } from './prompts';
import { REGISTRY_CHANNEL, registryOperations } from './registry.operations';

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

/**
 * A serving process loads saved tools, prompts and keys from the registry and follows every
 * instance's changes: registry edits, revocations, document changes for MCP resources.
 */
@Injectable()
export class RegistrySync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly unsubscribers: (() => Promise<void>)[] = [];

  constructor(
    @Inject(SERVING) private readonly serving: boolean,
    private readonly registry: RegistryRepository,
    private readonly tools: ToolRegistry,
    private readonly prompts: PromptManager,
    private readonly auth: Authenticator,
    private readonly bus: RedisBus,
    private readonly hub: SessionHub,
    private readonly connections: ConnectionRegistry,
    private readonly resourceCache: RedisResourceCache,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.serving) return;
    for (const template of await loadPromptFiles(path.join(findRepoRoot(), 'prompts'))) {
      const current = await this.registry.get<PromptTemplate>('prompt', template.name);
      if (JSON.stringify(current?.definition) !== JSON.stringify(template))
        await this.registry.put('prompt', template.name, template, template.description);
    }
    await Promise.all([this.reloadTools(), this.reloadPrompts(), this.auth.reload()]);
    this.unsubscribers.push(
      await this.bus.subscribe(REGISTRY_CHANNEL, (message) => this.registryChanged(message)),
      await this.bus.subscribe(DOCUMENT_CHANGES_CHANNEL, (message) => this.documentsChanged(message)),
    );
  }

  async onModuleDestroy(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) await unsubscribe().catch(() => undefined);
  }

  private registryChanged(message: unknown): void {
    const { kind, revoked } = message as { kind?: string; revoked?: string };
    if (revoked) this.connections.closeFor(revoked, 'the API key has been revoked');
    const reload =
      kind === 'prompt'
        ? this.reloadPrompts().then(() => this.hub.promptsChanged())
        : kind === 'api_key'
          ? this.auth.reload()
          : this.reloadTools().then(() => this.hub.toolsChanged());
    reload.catch((error: Error) => this.logger.warn({ err: error.message }, 'registry reload failed'));
  }

  private documentsChanged(message: unknown): void {
    const changes = (message as { changes?: DocumentChange[] }).changes ?? [];
    const uris = changes.flatMap((c) => [documentUri(c.id), collectionUri(c.collection)]);
    this.resourceCache.invalidate(uris).catch(() => undefined);
    this.hub.resourcesUpdated(uris);
    if (changes.some((c) => c.change !== 'updated')) this.hub.resourceListChanged();
  }

  private async reloadTools(): Promise<void> {
    const saved = await this.registry.list<SavedSearchDefinition>('tool');
    this.tools.replaceSaved(saved.map((entry) => savedSearchTool(entry.definition)));
  }

  private async reloadPrompts(): Promise<void> {
    const stored = await this.registry.list<PromptTemplate>('prompt');
    for (const refused of this.prompts.replaceTemplates(stored.map((entry) => entry.definition)))
      this.logger.warn(refused, 'stored prompt refused: its template is not valid Mustache');
  }
}

/** Tools (built-in and saved searches), prompts and resources, as MCP and every edge list them. */
@Module({
  imports: [SearchModule, AuthModule],
  providers: [
    {
      provide: ToolRegistry,
      inject: [MessageManager],
      useFactory: (manager: MessageManager) => new ToolRegistry(() => manager.list()),
    },
    {
      provide: PromptManager,
      inject: [MessageManager],
      useFactory: (manager: MessageManager) => {
        const prompts = new PromptManager();
        prompts.addDynamic(answerWithCitations(manager));
        return prompts;
      },
    },
    {
      provide: ResourceManager,
      inject: [IndexResourceSource, RedisResourceCache],
      useFactory: (source: IndexResourceSource, cache: RedisResourceCache) =>
        new ResourceManager(source, cache),
    },
    SessionHub,
    RegistryOperations,
    RegistrySync,
  ],
  exports: [ToolRegistry, PromptManager, ResourceManager, SessionHub],
})
export class RegistryModule {}
