import type Redis from 'ioredis';
import {
  Authenticator,
  generateApiKey,
  hashApiKey,
  type ApiKeyStore,
  type StoredApiKey,
} from './authenticator';
import type { QuarryConfig } from '@quarry/config';
import {
  ROLES,
  operationRef,
  auditByName,
  ForbiddenError,
  NotFoundError,
  type Operation,
  type OperationContext,
  type ResultOf,
  type Role,
  type ArgsOf,
} from '@quarry/core';
import { COLLECTION_PATTERN, LIMITS } from '@quarry/search';
import type { ApiKeyRepository } from './api-key.repository';
import { InputType, ObjectType } from '@nestjs/graphql';
import { contractEnum, Prop } from '@quarry/contract';
import { OAuthResourceServer } from './oauth/resource-server';

const REVOKED_SET = 'quarry:revoked-keys';

/** The principal id of a stored key, as the Authenticator names it. */
export const apiKeyPrincipalId = (name: string) => `key:${name}`;

/** The role a key grants: a GraphQL enum, a JSON Schema and OpenAPI `enum`, and the validation rule. */
export const ROLE = contractEnum(
  'Role',
  ROLES,
  'READER searches and reads; WRITER also indexes and deletes documents; ADMIN also manages tools, prompts, sources and keys.',
);

const KEY_NAME_LENGTH = 64;

/** A key's collections or groups: left out, or 1-100 names (an empty list would read as no scope). */
const SCOPE_LIST = { type: 'string', array: true, optional: true, minItems: 1, maxItems: 100 } as const;

/** What an admin sends to create a key, on every edge (REST body, GraphQL input, MCP arguments). */
@InputType('CreateApiKeyInput')
export class CreateKeyInput {
  @Prop({
    type: 'string',
    minLength: 1,
    maxLength: KEY_NAME_LENGTH,
    pattern: { regex: COLLECTION_PATTERN, message: 'name must be lowercase letters, digits, - and _' },
    description: 'lowercase letters, digits, - and _',
  })
  name!: string;

  @Prop({ type: ROLE, description: 'what the key may do' })
  role!: Role;

  @Prop({
    ...SCOPE_LIST,
    maxLength: LIMITS.collectionLength,
    pattern: { regex: COLLECTION_PATTERN, message: 'collections must be lowercase letters, digits, - and _' },
    description: 'limit the key to these collections (absent: every collection)',
  })
  collections?: string[];

  @Prop({
    ...SCOPE_LIST,
    minLength: 1,
    maxLength: LIMITS.accessNameLength,
    description: "groups of the key's caller: documents whose access names one are readable",
  })
  groups?: string[];
}

class KeyNameInput {
  @Prop({ type: 'string', minLength: 1, maxLength: KEY_NAME_LENGTH })
  name!: string;
}

/** Created keys live hashed in the metadata index; revocations also go into a Redis set every instance checks. */
export function apiKeyStore(keys: ApiKeyRepository, redis: Redis): ApiKeyStore {
  return {
    list: () => keys.list(),
    isRevoked: async (hash) => {
      try {
        return (await redis.sismember(REVOKED_SET, hash)) === 1;
      } catch {
        // Redis down: the in-memory key list (reloaded on every change) is the fallback.
        return false;
      }
    },
  };
}

export function createAuthenticator(
  config: QuarryConfig,
  keys: ApiKeyRepository,
  redis: Redis,
): Authenticator {
  return new Authenticator(
    config.apiKeys,
    config.jwt,
    apiKeyStore(keys, redis),
    config.oauth ? new OAuthResourceServer(config.oauth) : undefined,
  );
}

/**
 * Keys grant access to every collection they name, so only an admin without a collection scope
 * manages them: a scoped admin could otherwise mint itself an unscoped key.
 */
function assertUnscopedAdmin(context: OperationContext): void {
  if (context.principal.collections)
    throw new ForbiddenError(
      'managing API keys needs an admin key without a collection scope; this key is scoped to ' +
        context.principal.collections.join(', '),
    );
}

/** What an admin sees of a key created through the API: never the key itself. */
@ObjectType('ApiKey')
export class ApiKeyView {
  @Prop({ type: 'string' })
  name!: string;

  // A string in GraphQL, as the viewer's role (clients show and compare it); the set in JSON Schema.
  @Prop({ type: 'string', schema: { enum: [...ROLES] }, description: '"reader", "writer" or "admin"' })
  role!: Role;

  @Prop({ type: 'string', array: true, nullable: true, description: 'the only collections it may use' })
  collections!: string[] | null;

  @Prop({
    type: 'string',
    array: true,
    nullable: true,
    description: "groups of the key's caller (document access)",
  })
  groups!: string[] | null;

  @Prop({ type: 'string', optional: true, graphqlName: 'createdAt', description: 'ISO 8601' })
  created_at?: string;
}

/** The answer to creating a key: the only time the key itself is shown. */
@ObjectType('CreatedApiKey')
export class CreatedApiKey extends ApiKeyView {
  @Prop({ type: 'string', description: 'the key itself, shown this once (only its hash is kept)' })
  key!: string;
}

@ObjectType('RevokedApiKey')
export class RevokedApiKey {
  @Prop({ type: 'string' })
  name!: string;

  @Prop({ type: 'boolean' })
  revoked!: boolean;
}

/** Typed references of the operations below: what edges call them by. */
export const CREATE_API_KEY = operationRef<CreateKeyInput, CreatedApiKey>('create_api_key');
export const LIST_API_KEYS = operationRef<object, { keys: ApiKeyView[] }>('list_api_keys');
export const REVOKE_API_KEY = operationRef<KeyNameInput, RevokedApiKey>('revoke_api_key');

/** Admin operations on API keys. The key itself is shown once, at creation; only its hash is kept. */
export function apiKeyOperations(
  keys: ApiKeyRepository,
  redis: Redis,
  /** Reloads keys everywhere; a revoked key's principal also loses its open connections. */
  announce: (revokedPrincipalId?: string) => Promise<void>,
): Operation<never, unknown>[] {
  const create: Operation<ArgsOf<typeof CREATE_API_KEY>, ResultOf<typeof CREATE_API_KEY>> = {
    name: CREATE_API_KEY,
    description: 'Create an API key (shown once).',
    role: 'admin',
    input: CreateKeyInput,
    audit: auditByName,
    run: async ({ name, role, collections, groups }, context) => {
      assertUnscopedAdmin(context);
      const key = generateApiKey();
      const stored: StoredApiKey = {
        id: name,
        hash: hashApiKey(key),
        role,
        ...(collections ? { collections: [...new Set(collections)] } : {}),
        ...(groups ? { groups: [...new Set(groups)] } : {}),
        created_at: new Date().toISOString(),
      };
      await keys.save(stored);
      await announce();
      return { name, role, collections: stored.collections ?? null, groups: stored.groups ?? null, key };
    },
  };
  const list: Operation<ArgsOf<typeof LIST_API_KEYS>, ResultOf<typeof LIST_API_KEYS>> = {
    name: LIST_API_KEYS,
    description: 'API keys created through the API (names, roles, never the keys).',
    role: 'admin',
    run: async (_args, context) => {
      assertUnscopedAdmin(context);
      return {
        keys: (await keys.list()).map((key) => ({
          name: key.id,
          role: key.role,
          collections: key.collections ?? null,
          groups: key.groups ?? null,
          created_at: key.created_at,
        })),
      };
    },
  };
  const revoke: Operation<ArgsOf<typeof REVOKE_API_KEY>, ResultOf<typeof REVOKE_API_KEY>> = {
    name: REVOKE_API_KEY,
    description: 'Revoke an API key: refused at once by every instance.',
    role: 'admin',
    input: KeyNameInput,
    audit: auditByName,
    run: async ({ name }, context) => {
      assertUnscopedAdmin(context);
      const key = await keys.find(name);
      if (!key) throw new NotFoundError('api key', name);
      await redis.sadd(REVOKED_SET, key.hash);
      await keys.remove(name);
      await announce(apiKeyPrincipalId(name));
      return { name, revoked: true };
    },
  };
  return [create, list, revoke] as Operation<never, unknown>[];
}
