import {
  operationRef,
  auditByName,
  InvalidError,
  NotFoundError,
  validateInput,
  type MessageManager,
  type Operation,
  type Principal,
  type ResultOf,
  type ArgsOf,
} from '@quarry/core';
import {
  checkPromptTemplate,
  type PromptManager,
  type PromptTemplate,
  type RenderedPrompt,
} from './prompt.manager';
import { type ResourceManager } from './resource.manager';
import { type ToolDefinition, type ToolRegistry } from './tool.registry';
import type { RegistryRepository } from './registry.repository';
import { checkSavedSearch, SavedSearchDefinition } from './saved-search';
import { PromptTemplateInput } from './prompt-template.dto';
import { IsIn, IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';

class NameInput {
  @IsString()
  @Length(1, 64)
  name!: string;
}

/** A tool to call or a prompt to render, by name, with its arguments. */
class NamedCallInput {
  @IsString()
  @Length(1, 64)
  name!: string;

  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;
}

class ReadResourceInput {
  @IsString()
  @Length(1, 2048)
  uri!: string;
}

class ListResourcesInput {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

class CompleteInput {
  @IsIn(['collection', 'document'])
  kind!: 'collection' | 'document';

  @IsOptional()
  @IsString()
  @MaxLength(256)
  prefix?: string;
}

export interface RegistryDeps {
  manager: MessageManager;
  tools: ToolRegistry;
  prompts: PromptManager;
  resources: ResourceManager;
  registry: RegistryRepository;
  /** Values for completion: collection names and document ids by prefix, as the principal sees them. */
  complete(principal: Principal, kind: 'collection' | 'document', prefix: string): Promise<string[]>;
  /** Tells every instance (this one included) to reload the registry. */
  announce(kind: 'tool' | 'prompt'): Promise<void>;
}

/** Typed references of the operations below: what edges call them by. */
/** A tool as listed to a caller. */
export type ToolSummary = Pick<
  ToolDefinition,
  'name' | 'title' | 'description' | 'inputSchema' | 'annotations'
> & {
  builtIn: boolean;
};
/** A stored registry entry: its name and the version this write made. */
export interface RegistryWrite {
  name: string;
  version: number;
}

export const LIST_TOOLS = operationRef<object, { tools: ToolSummary[] }>('list_tools');
export const REGISTER_SEARCH_TOOL = operationRef<SavedSearchDefinition, RegistryWrite>(
  'register_search_tool',
);
export const DELETE_SEARCH_TOOL = operationRef<NameInput, { name: string; deleted: true }>(
  'delete_search_tool',
);
export const CALL_TOOL = operationRef<NamedCallInput, { tool: string; result: unknown; text: string }>(
  'call_tool',
);
export const LIST_RESOURCES = operationRef<
  ListResourcesInput,
  Awaited<ReturnType<ResourceManager['list']>> & {
    resourceTemplates: ReturnType<ResourceManager['templates']>;
  }
>('list_resources');
export const READ_RESOURCE = operationRef<
  ReadResourceInput,
  { contents: Awaited<ReturnType<ResourceManager['read']>>[] }
>('read_resource');
export const SUBSCRIBE_RESOURCE = operationRef<ReadResourceInput, { uri: string }>('subscribe_resource');
export const COMPLETE = operationRef<CompleteInput, { values: string[] }>('complete');
export const LIST_PROMPTS = operationRef<object, { prompts: ReturnType<PromptManager['list']> }>(
  'list_prompts',
);
export const REGISTER_PROMPT = operationRef<PromptTemplateInput, RegistryWrite>('register_prompt');
export const DELETE_PROMPT = operationRef<NameInput, { name: string; deleted: true }>('delete_prompt');
export const RENDER_PROMPT = operationRef<NamedCallInput, RenderedPrompt>('render_prompt');

/** Registry operations: tools, resources and prompts, for REST (and any edge) through the message manager. */
export function registryOperations(deps: RegistryDeps): Operation<never, unknown>[] {
  /** Stores a definition and tells every instance to reload that kind. */
  const save = async (kind: 'tool' | 'prompt', name: string, definition: object, description?: string) => {
    const entry = await deps.registry.put(kind, name, definition, description);
    await deps.announce(kind);
    return { name: entry.name, version: entry.version };
  };
  const listTools: Operation<ArgsOf<typeof LIST_TOOLS>, ResultOf<typeof LIST_TOOLS>> = {
    name: LIST_TOOLS,
    description: 'Tools this caller may use (built-in and saved searches).',
    role: 'reader',
    run: async (_args, context) => ({
      tools: deps.tools.list(context.principal).map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: t.inputSchema,
        annotations: t.annotations,
        builtIn: deps.tools.isBuiltIn(t.name),
      })),
    }),
  };
  const registerSearchTool: Operation<
    ArgsOf<typeof REGISTER_SEARCH_TOOL>,
    ResultOf<typeof REGISTER_SEARCH_TOOL>
  > = {
    name: REGISTER_SEARCH_TOOL,
    description:
      'Register (or replace) a saved-search tool; every connected MCP client is told its tool list changed.',
    role: 'admin',
    input: SavedSearchDefinition,
    audit: auditByName,
    run: async (definition) => {
      checkSavedSearch(definition, (name) => deps.tools.isBuiltIn(name));
      return save('tool', definition.name, JSON.parse(JSON.stringify(definition)), definition.description);
    },
  };
  const deleteSearchTool: Operation<
    ArgsOf<typeof DELETE_SEARCH_TOOL>,
    ResultOf<typeof DELETE_SEARCH_TOOL>
  > = {
    name: DELETE_SEARCH_TOOL,
    description: 'Remove a saved-search tool.',
    role: 'admin',
    input: NameInput,
    audit: auditByName,
    run: async ({ name }) => {
      if (!(await deps.registry.delete('tool', name))) throw new NotFoundError('tool', name);
      await deps.announce('tool');
      return { name, deleted: true };
    },
  };
  const callTool: Operation<ArgsOf<typeof CALL_TOOL>, ResultOf<typeof CALL_TOOL>> = {
    name: CALL_TOOL,
    description: 'Call a tool by name, as an MCP client would.',
    role: 'reader',
    input: NamedCallInput,
    run: async ({ name, arguments: args }, context) => {
      const tool = deps.tools.list(context.principal).find((t) => t.name === name);
      if (!tool) throw new NotFoundError('tool', name);
      const inner = tool.toEnvelope(args ?? {});
      const result = await deps.manager.handle({
        op: inner.op,
        args: inner.args,
        principal: context.principal,
        transport: context.transport,
        requestId: context.requestId,
        signal: context.signal,
      });
      return { tool: name, result, text: tool.summarize(result) };
    },
  };
  const listResources: Operation<ArgsOf<typeof LIST_RESOURCES>, ResultOf<typeof LIST_RESOURCES>> = {
    name: LIST_RESOURCES,
    description: 'Resources (collections, then documents), paginated with a cursor.',
    role: 'reader',
    input: ListResourcesInput,
    run: async ({ cursor }, context) => ({
      ...(await deps.resources.list(context.principal, cursor)),
      resourceTemplates: deps.resources.templates(),
    }),
  };
  const readResource: Operation<ArgsOf<typeof READ_RESOURCE>, ResultOf<typeof READ_RESOURCE>> = {
    name: READ_RESOURCE,
    description: 'Read a resource by URI (quarry://documents/{id}, quarry://collections/{name}).',
    role: 'reader',
    input: ReadResourceInput,
    run: async ({ uri }, context) => ({ contents: [await deps.resources.read(context.principal, uri)] }),
  };
  const subscribeResource: Operation<
    ArgsOf<typeof SUBSCRIBE_RESOURCE>,
    ResultOf<typeof SUBSCRIBE_RESOURCE>
  > = {
    name: SUBSCRIBE_RESOURCE,
    description: 'Follow changes of a resource (MCP resources/subscribe).',
    role: 'reader',
    input: ReadResourceInput,
    run: async ({ uri }, context) => {
      // Only what the caller may read: a subscription must not reveal changes outside its scope.
      // Other URIs are accepted, as the MCP specification asks, and never update.
      if (uri.startsWith('quarry://')) await deps.resources.read(context.principal, uri);
      return { uri };
    },
  };
  const complete: Operation<ArgsOf<typeof COMPLETE>, ResultOf<typeof COMPLETE>> = {
    name: COMPLETE,
    description: 'Completion values for an argument: collection names or document ids by prefix.',
    role: 'reader',
    input: CompleteInput,
    run: async ({ kind, prefix }, context) => ({
      values: await deps.complete(context.principal, kind, prefix ?? ''),
    }),
  };
  const listPrompts: Operation<ArgsOf<typeof LIST_PROMPTS>, ResultOf<typeof LIST_PROMPTS>> = {
    name: LIST_PROMPTS,
    description: 'Prompt templates with their arguments.',
    role: 'reader',
    run: async () => ({ prompts: deps.prompts.list() }),
  };
  const registerPrompt: Operation<ArgsOf<typeof REGISTER_PROMPT>, ResultOf<typeof REGISTER_PROMPT>> = {
    name: REGISTER_PROMPT,
    description:
      'Register (or replace) a prompt template (logic-less Mustache: {{argument}}, {{#argument}}...{{/argument}}).',
    role: 'admin',
    input: PromptTemplateInput,
    audit: auditByName,
    run: async (input) => {
      const template = JSON.parse(JSON.stringify(input)) as PromptTemplate;
      if (deps.prompts.isBuiltIn(template.name)) {
        throw new InvalidError(`"${template.name}" is a built-in prompt`, [
          { field: 'name', reason: 'built-in' },
        ]);
      }
      const declared = new Set(template.arguments.map((a) => a.name));
      if (declared.size !== template.arguments.length) {
        throw new InvalidError('argument names must be unique', [
          { field: 'arguments', reason: 'duplicate name' },
        ]);
      }
      checkPromptTemplate(template);
      return save('prompt', template.name, template, template.description);
    },
  };
  const deletePrompt: Operation<ArgsOf<typeof DELETE_PROMPT>, ResultOf<typeof DELETE_PROMPT>> = {
    name: DELETE_PROMPT,
    description: 'Remove a prompt template; every connected MCP client is told its prompt list changed.',
    role: 'admin',
    input: NameInput,
    audit: auditByName,
    run: async ({ name }) => {
      if (deps.prompts.isBuiltIn(name))
        throw new InvalidError(`"${name}" is a built-in prompt`, [{ field: 'name', reason: 'built-in' }]);
      if (!(await deps.registry.delete('prompt', name))) throw new NotFoundError('prompt', name);
      await deps.announce('prompt');
      return { name, deleted: true };
    },
  };
  const renderPrompt: Operation<ArgsOf<typeof RENDER_PROMPT>, ResultOf<typeof RENDER_PROMPT>> = {
    name: RENDER_PROMPT,
    description: 'Render a prompt with arguments.',
    role: 'reader',
    input: NamedCallInput,
    run: ({ name, arguments: args }, context) => deps.prompts.render(name, args ?? {}, context),
  };
  return [
    listTools,
    registerSearchTool,
    deleteSearchTool,
    callTool,
    listResources,
    readResource,
    subscribeResource,
    complete,
    listPrompts,
    registerPrompt,
    deletePrompt,
    renderPrompt,
  ] as Operation<never, unknown>[];
}

/** Validates a prompt file from prompts/ the same way as one registered through the API. */
export async function validatePromptFile(raw: unknown, file: string): Promise<PromptTemplate> {
  const input = await validateInput(PromptTemplateInput, raw, `prompt file ${file}`);
  const template = JSON.parse(JSON.stringify(input)) as PromptTemplate;
  try {
    checkPromptTemplate(template);
  } catch (error) {
    if (error instanceof InvalidError)
      throw new InvalidError(`prompt file ${file}: ${error.message}`, error.problems);
    throw error;
  }
  return template;
}
