import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { findRepoRoot } from '@quarry/config';
import {
  MessageManager,
  PromptManager,
  ResourceManager,
  SessionHub,
  ToolRegistry,
  type McpDependencies,
} from '@quarry/core';
import { RegistryModule } from './registry.module';

/** What every MCP session needs (`McpDependencies`), whichever transport carries it. */
export const MCP = Symbol('McpDependencies');

const VERSION: string = (require(path.join(findRepoRoot(), 'package.json')) as { version: string }).version;

@Module({
  imports: [RegistryModule],
  providers: [
    {
      provide: MCP,
      inject: [MessageManager, ToolRegistry, PromptManager, ResourceManager, SessionHub],
      useFactory: (
        manager: MessageManager,
        tools: ToolRegistry,
        prompts: PromptManager,
        resources: ResourceManager,
        hub: SessionHub,
      ): McpDependencies => ({ manager, tools, prompts, resources, hub, version: VERSION }),
    },
  ],
  exports: [MCP, RegistryModule],
})
export class McpModule {}
