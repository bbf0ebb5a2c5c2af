import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { MessageManager } from './message-manager';
import { OPERATIONS_METADATA, type OperationSource } from './operations.decorator';

/** Registers every `@Operations()` provider's operations with the one message manager. */
@Injectable()
export class OperationExplorer implements OnModuleInit {
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
}
