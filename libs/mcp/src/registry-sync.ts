import * as path from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ServerEvent } from '@modelcontextprotocol/server';
import { Authenticator } from '@quarry/auth';
import { findRepoRoot, SERVING } from '@quarry/config';
import { ConnectionRegistry } from '@quarry/core';
import { LOGGER, type Logger } from '@quarry/observability';
import { DOCUMENT_CHANGES_CHANNEL, REGISTRY_CHANNEL, RedisBus } from '@quarry/redis';
import {
  collectionUri,
  documentUri,
  loadPromptFiles,
  PromptManager,
  RedisResourceCache,
  RegistryRepository,
  savedSearchTool,
  ToolRegistry,
  type PromptTemplate,
  type SavedSearchDefinition,
} from '@quarry/registry';
import type { DocumentChange } from '@quarry/search';
import { MCP_EVENTS_CHANNEL, SessionHub } from './session.hub';

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
      await this.bus.subscribe(MCP_EVENTS_CHANNEL, (message) => this.hub.deliver(message as ServerEvent)),
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
