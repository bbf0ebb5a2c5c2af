import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { MessageManager } from './message-manager';
import { declaredOperationRefs, missingOperations } from './operation-ref';
import { OPERATIONS_METADATA, type OperationSource } from './operations.decorator';

/**
 * Registers every `@Operations()` provider's operations with the one message manager, then,
 * once every module has registered its own, refuses to start when an operation reference the
 * edges may call (`operationRef`) has no operation: a missing handler stops the start, like a
 * duplicate one, instead of failing the first request that needs it.
 */
@Injectable()
export class OperationExplorer implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly manager: MessageManager,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof metatype !== 'function') continue;
      if (!this.reflector.get<boolean>(OPERATIONS_METADATA, metatype)) continue;
      this.manager.register(...(instance as OperationSource).operations());
    }
  }

  onApplicationBootstrap(): void {
    const missing = missingOperations(this.manager, declaredOperationRefs());
    if (missing.length > 0) {
      throw new Error(
        `no operation registered for ${missing.join(', ')}: a module that provides ${missing.length === 1 ? 'it' : 'them'} (an @Operations() provider) is missing from the app`,
      );
    }
  }
}
