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

@Resolver()
export class RegistryResolver {
  @Query(() => [ToolType], { description: 'Tools this caller may use: built-in and saved searches.' })
  async tools(@Context() context: GraphqlContext): Promise<ToolType[]> {
    return (await execute<{ tools: ToolType[] }>(context, 'list_tools', {})).tools;
  }

  @Query(() => [PromptType], { description: 'Prompt templates with their arguments.' })
  async prompts(@Context() context: GraphqlContext): Promise<PromptType[]> {
    return (await execute<{ prompts: PromptType[] }>(context, 'list_prompts', {})).prompts;
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
    return execute(context, 'register_search_tool', args, { argument: 'input' });
  }

  @Mutation(() => RegistryDeletionType, {
    description: 'Remove a saved-search tool (admin); every MCP client is told its tool list changed.',
  })
  deleteSearchTool(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
  ): Promise<RegistryDeletionType> {
    return execute(context, 'delete_search_tool', { name });
  }

  @Mutation(() => RegistryDeletionType, {
    description: 'Remove a prompt template (admin); every MCP client is told its prompt list changed.',
  })
  deletePrompt(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
  ): Promise<RegistryDeletionType> {
    return execute(context, 'delete_prompt', { name });
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
    return execute(context, 'register_prompt', args, { argument: 'input' });
  }
}
