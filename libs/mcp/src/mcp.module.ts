import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { findRepoRoot } from '@quarry/config';
import { MessageManager } from '@quarry/core';
import { AuthModule } from '@quarry/auth';
import { SearchModule } from '@quarry/search';
import { PromptManager, RegistryModule, ResourceManager, ToolRegistry } from '@quarry/registry';
import { McpRequests } from './mcp.requests';
import type { McpDependencies } from './mcp.server';
import { RegistrySync } from './registry-sync';
import { SessionHub } from './session.hub';

/** What every MCP session needs (`McpDependencies`), whichever transport carries it. */
export const MCP = Symbol('McpDependencies');

const VERSION: string = (require(path.join(findRepoRoot(), 'package.json')) as { version: string }).version;

/**
 * MCP sessions' shared parts: the registry's lists, the hub that notifies this instance's
 * sessions, and the sync that keeps both current with every instance's changes.
 */
@Module({
  imports: [RegistryModule, AuthModule, SearchModule],
  providers: [
    SessionHub,
    RegistrySync,
    {
      provide: MCP,
      inject: [MessageManager, ToolRegistry, PromptManager, ResourceManager, SessionHub],
      useFactory: (
        manager: MessageManager,
        tools: ToolRegistry,
        prompts: PromptManager,
        resources: ResourceManager,
        hub: SessionHub,
      ): McpDependencies => ({
        manager,
        tools,
        prompts,
        resources,
        hub,
        requests: new McpRequests({ manager, tools, prompts, resources }),
        version: VERSION,
      }),
    },
  ],
  exports: [MCP, SessionHub, RegistryModule],
})
export class McpModule {}
