import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { Operation } from './message-manager';

export const OPERATIONS_METADATA = 'quarry:operations';

/** A provider that contributes operations to the message manager. */
export interface OperationSource {
  operations(): Operation<never, unknown>[];
}

/**
 * Marks a provider whose operations the message manager registers at start-up, found through
 * Nest's DiscoveryService (the way @nestjs/cqrs finds its handlers): a module adds an
 * operation by listing a provider, never by editing a central list.
 */
export function Operations(): ClassDecorator {
  return applyDecorators(SetMetadata(OPERATIONS_METADATA, true), Injectable());
}
