import { Args, Context, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { execute, type GraphqlContext } from './graphql.context';
import { JSONScalar } from './graphql.types';

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

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field()
  name!: string;

  @Field()
  role!: string;

  @Field(() => [String], { nullable: true })
  collections?: string[] | null;

  @Field(() => [String], { nullable: true, description: "groups of the key's caller (document access)" })
  groups?: string[] | null;

  @Field({ nullable: true, description: 'ISO 8601' })
  createdAt?: string;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyType extends ApiKeyType {
  @Field({ description: 'the key itself, shown this once (only its hash is kept)' })
  key!: string;
}

@ObjectType('RevokedApiKey')
export class RevokedApiKeyType {
  @Field()
  name!: string;

  @Field()
  revoked!: boolean;
}

@InputType('CreateApiKeyInput')
export class CreateApiKeyInputType {
  @Field({ description: 'lowercase letters, digits, - and _' })
  name!: string;

  @Field({ description: '"reader", "writer" or "admin"' })
  role!: string;

  @Field(() => [String], { nullable: true, description: 'limit the key to these collections' })
  collections?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "groups of the key's caller: documents whose access names one are readable",
  })
  groups?: string[] | null;
}

interface StoredKeyView {
  name: string;
  role: string;
  collections: string[] | null;
  groups?: string[] | null;
  created_at?: string;
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
    return execute(context, 'health', {});
  }

  @Query(() => [ApiKeyType], { description: 'API keys created through the API (admin; never the keys).' })
  async apiKeys(@Context() context: GraphqlContext): Promise<ApiKeyType[]> {
    const result = await execute<{ keys: StoredKeyView[] }>(context, 'list_api_keys', {});
    return result.keys.map(({ created_at, ...key }) => ({ ...key, createdAt: created_at }));
  }

  @Mutation(() => CreatedApiKeyType, { description: 'Create an API key (admin); the answer holds it, once.' })
  createApiKey(
    @Args('input') input: CreateApiKeyInputType,
    @Context() context: GraphqlContext,
  ): Promise<CreatedApiKeyType> {
    const args = {
      name: input.name,
      role: input.role,
      ...(input.collections ? { collections: input.collections } : {}),
      ...(input.groups ? { groups: input.groups } : {}),
    };
    return execute(context, 'create_api_key', args, { argument: 'input' });
  }

  @Mutation(() => RevokedApiKeyType, {
    description: 'Revoke an API key (admin); every instance refuses it at once.',
  })
  revokeApiKey(@Args('name') name: string, @Context() context: GraphqlContext): Promise<RevokedApiKeyType> {
    return execute(context, 'revoke_api_key', { name });
  }

  @Query(() => JSONScalar, {
    description:
      'Relevance evaluation: `{ judgments: [{ query, relevant: { id: grade } }], semanticRatio?, fusion?, sweep? }` → MRR@10, nDCG@10, recall@10/100 per mode (as POST /v1/eval).',
  })
  evaluateSearch(
    @Args('input', { type: () => JSONScalar }) input: Record<string, unknown>,
    @Context() context: GraphqlContext,
  ): Promise<unknown> {
    return execute(context, 'evaluate_search', input, { argument: 'input' });
  }

  @Mutation(() => JSONScalar, { description: 'Call a tool (built in or a saved search) as MCP clients do.' })
  callTool(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
    @Args('arguments', { type: () => JSONScalar, nullable: true }) args?: Record<string, unknown> | null,
  ): Promise<unknown> {
    return execute(context, 'call_tool', { name, ...(args ? { arguments: args } : {}) });
  }

  @Query(() => JSONScalar, {
    description: 'Render a prompt with arguments: the messages an MCP client would get.',
  })
  renderPrompt(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
    @Args('arguments', { type: () => JSONScalar, nullable: true }) args?: Record<string, unknown> | null,
  ): Promise<unknown> {
    return execute(context, 'render_prompt', { name, ...(args ? { arguments: args } : {}) });
  }
}
