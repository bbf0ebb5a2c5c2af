import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { execute, withoutNulls, type GraphqlContext } from './graphql.context';
import {
  PromptTemplateInputType,
  PromptType,
  RegistryDeletionType,
  RegistryEntryType,
  SavedSearchToolInputType,
  ToolType,
} from './graphql.types';
import {
  DELETE_PROMPT,
  DELETE_SEARCH_TOOL,
  LIST_PROMPTS,
  LIST_TOOLS,
  REGISTER_PROMPT,
  REGISTER_SEARCH_TOOL,
} from '@quarry/registry';

@Resolver()
export class RegistryResolver {
  @Query(() => [ToolType], { description: 'Tools this caller may use: built-in and saved searches.' })
  async tools(@Context() context: GraphqlContext): Promise<ToolType[]> {
    return (await execute(context, LIST_TOOLS, {})).tools;
  }

  @Query(() => [PromptType], { description: 'Prompt templates with their arguments.' })
  async prompts(@Context() context: GraphqlContext): Promise<PromptType[]> {
    return (await execute(context, LIST_PROMPTS, {})).prompts;
  }

  @Mutation(() => RegistryEntryType, {
    description: 'Register (or replace) a saved-search tool; every MCP client is told its tool list changed.',
  })
  registerSearchTool(
    @Args('input') input: SavedSearchToolInputType,
    @Context() context: GraphqlContext,
  ): Promise<RegistryEntryType> {
    const args: Record<string, unknown> = { ...withoutNulls(input) };
    if (input.filters) args.filters = withoutNulls(input.filters);
    if (input.parameters) args.parameters = input.parameters.map((p) => withoutNulls(p));
    return execute(context, REGISTER_SEARCH_TOOL, args, { argument: 'input' });
  }

  @Mutation(() => RegistryDeletionType, {
    description: 'Remove a saved-search tool (admin); every MCP client is told its tool list changed.',
  })
  deleteSearchTool(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
  ): Promise<RegistryDeletionType> {
    return execute(context, DELETE_SEARCH_TOOL, { name });
  }

  @Mutation(() => RegistryDeletionType, {
    description: 'Remove a prompt template (admin); every MCP client is told its prompt list changed.',
  })
  deletePrompt(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
  ): Promise<RegistryDeletionType> {
    return execute(context, DELETE_PROMPT, { name });
  }

  @Mutation(() => RegistryEntryType, {
    description: 'Register (or replace) a prompt template (logic-less Mustache).',
  })
  registerPrompt(
    @Args('input') input: PromptTemplateInputType,
    @Context() context: GraphqlContext,
  ): Promise<RegistryEntryType> {
    const args = {
      ...withoutNulls(input),
      arguments: input.arguments.map((a) => withoutNulls(a)),
      messages: input.messages.map((m) => withoutNulls(m)),
    };
    return execute(context, REGISTER_PROMPT, args, { argument: 'input' });
  }
}
