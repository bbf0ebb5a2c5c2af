import { Args, Context, Field, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { execute, withoutNulls, type GraphqlContext } from './graphql.context';
import { JSONScalar } from './graphql.types';
import { CALL_TOOL, RENDER_PROMPT } from '@quarry/registry';
import {
  ApiKeyView,
  CREATE_API_KEY,
  CreatedApiKey,
  CreateKeyInput,
  LIST_API_KEYS,
  REVOKE_API_KEY,
  RevokedApiKey,
} from '@quarry/auth';
import { EVALUATE_SEARCH } from '@quarry/search';
import { HEALTH } from '@quarry/observability';

/**
 * What a frontend needs beside search: who it is (to show only what the role allows), service
 * health, and API keys for admins. Thin resolvers over the message manager's operations, like
 * the REST routes /v1/keys and /health/ready.
 */

@ObjectType('Viewer')
export class ViewerType {
  @Field({ description: 'principal id ("local" on loopback without keys)' })
  id!: string;

  @Field({ description: '"reader", "writer" or "admin"' })
  role!: string;

  @Field(() => [String], { nullable: true, description: 'the only collections this caller sees, if limited' })
  collections?: string[] | null;
}

@ObjectType('DependencyHealth')
export class DependencyHealthType {
  @Field({ description: '"up" or "down"' })
  status!: string;

  @Field(() => Int)
  latencyMs!: number;

  @Field({ nullable: true })
  error?: string;
}

@ObjectType('Health')
export class HealthType {
  @Field({
    description: '"ready", "degraded" (Redis down: reads served, writes refused) or "not_ready"',
  })
  status!: string;

  @Field(() => DependencyHealthType)
  elasticsearch!: DependencyHealthType;

  @Field(() => DependencyHealthType)
  redis!: DependencyHealthType;
}

@Resolver()
export class AdminResolver {
  @Query(() => ViewerType, { description: 'The caller as Quarry sees it (fails without valid credentials).' })
  async viewer(@Context() context: GraphqlContext): Promise<ViewerType> {
    const principal = await context.principal();
    return { id: principal.id, role: principal.role, collections: principal.collections ?? null };
  }

  @Query(() => HealthType, { description: 'Readiness of Elasticsearch and Redis, as /health/ready.' })
  health(@Context() context: GraphqlContext): Promise<HealthType> {
    return execute(context, HEALTH, {});
  }

  @Query(() => [ApiKeyView], { description: 'API keys created through the API (admin; never the keys).' })
  async apiKeys(@Context() context: GraphqlContext): Promise<ApiKeyView[]> {
    return (await execute(context, LIST_API_KEYS, {})).keys;
  }

  @Mutation(() => CreatedApiKey, { description: 'Create an API key (admin); the answer holds it, once.' })
  createApiKey(
    @Args('input') input: CreateKeyInput,
    @Context() context: GraphqlContext,
  ): Promise<CreatedApiKey> {
    return execute(context, CREATE_API_KEY, withoutNulls(input), { argument: 'input' });
  }

  @Mutation(() => RevokedApiKey, {
    description: 'Revoke an API key (admin); every instance refuses it at once.',
  })
  revokeApiKey(@Args('name') name: string, @Context() context: GraphqlContext): Promise<RevokedApiKey> {
    return execute(context, REVOKE_API_KEY, { name });
  }

  @Query(() => JSONScalar, {
    description:
      'Relevance evaluation: `{ judgments: [{ query, relevant: { id: grade } }], semanticRatio?, fusion?, sweep? }` → MRR@10, nDCG@10, recall@10/100 per mode (as POST /v1/eval).',
  })
  evaluateSearch(
    @Args('input', { type: () => JSONScalar }) input: Record<string, unknown>,
    @Context() context: GraphqlContext,
  ): Promise<unknown> {
    return execute(context, EVALUATE_SEARCH, input, { argument: 'input' });
  }

  @Mutation(() => JSONScalar, { description: 'Call a tool (built in or a saved search) as MCP clients do.' })
  callTool(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
    @Args('arguments', { type: () => JSONScalar, nullable: true }) args?: Record<string, unknown> | null,
  ): Promise<unknown> {
    return execute(context, CALL_TOOL, { name, ...(args ? { arguments: args } : {}) });
  }

  @Query(() => JSONScalar, {
    description: 'Render a prompt with arguments: the messages an MCP client would get.',
  })
  renderPrompt(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
    @Args('arguments', { type: () => JSONScalar, nullable: true }) args?: Record<string, unknown> | null,
  ): Promise<unknown> {
    return execute(context, RENDER_PROMPT, { name, ...(args ? { arguments: args } : {}) });
  }
}
