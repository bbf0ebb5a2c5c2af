import { Inject, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { Authenticator } from './authenticator';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { ConnectionRegistry, Operations, type OperationSource } from '@quarry/core';
import { REGISTRY_CHANNEL, RedisBus } from '@quarry/redis';
import { RegistryRepository, SearchModule } from '@quarry/search';
import { apiKeyOperations, createAuthenticator } from './api-keys';

@Operations()
export class ApiKeyOperations implements OperationSource {
  constructor(
    private readonly registry: RegistryRepository,
    @Inject(Redis) private readonly redis: Redis,
    private readonly auth: Authenticator,
    private readonly bus: RedisBus,
  ) {}

  operations() {
    return apiKeyOperations(this.registry, this.redis, async (revoked) => {
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
  imports: [SearchModule],
  providers: [
    {
      provide: Authenticator,
      inject: [CONFIG, RegistryRepository, Redis],
      useFactory: (config: QuarryConfig, registry: RegistryRepository, redis: Redis) =>
        createAuthenticator(config, registry, redis),
    },
    ConnectionRegistry,
    ApiKeyOperations,
  ],
  exports: [Authenticator, ConnectionRegistry],
})
export class AuthModule {}
