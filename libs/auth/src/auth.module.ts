import { Inject, Module } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import { Authenticator } from './authenticator';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { ConnectionRegistry, Operations, type OperationSource } from '@quarry/core';
import { REGISTRY_CHANNEL, RedisBus } from '@quarry/redis';
import { INDICES, type IndexNames } from '@quarry/search';
import { ApiKeyRepository } from './api-key.repository';
import { apiKeyOperations, createAuthenticator } from './api-keys';

@Operations()
export class ApiKeyOperations implements OperationSource {
  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(Redis) private readonly redis: Redis,
    private readonly auth: Authenticator,
    private readonly bus: RedisBus,
  ) {}

  operations() {
    return apiKeyOperations(this.keys, this.redis, async (revoked) => {
      await this.auth.reload();
      await this.bus.publish(REGISTRY_CHANNEL, { kind: 'api_key', ...(revoked ? { revoked } : {}) });
    });
  }
}

/**
 * Who is calling: API keys (configured and stored), JWTs, protected mode; and the open
 * connections of each principal, closed when its key is revoked or its token expires.
 */
@Module({
  providers: [
    {
      provide: ApiKeyRepository,
      inject: [Client, INDICES],
      useFactory: (client: Client, indices: IndexNames) => new ApiKeyRepository(client, indices.meta),
    },
    {
      provide: Authenticator,
      inject: [CONFIG, ApiKeyRepository, Redis],
      useFactory: (config: QuarryConfig, keys: ApiKeyRepository, redis: Redis) =>
        createAuthenticator(config, keys, redis),
    },
    ConnectionRegistry,
    ApiKeyOperations,
  ],
  exports: [Authenticator, ConnectionRegistry],
})
export class AuthModule {}
