import { ApiExtension } from '@nestjs/swagger';
import type { OperationRef } from '@quarry/core';

export const OPERATION_EXTENSION = 'x-quarry-operation';

/**
 * Names the message-manager operation a route runs, so /openapi.json describes the route's
 * result with that operation's declared output schema and says which role it needs.
 */
export function RunsOperation(operation: OperationRef): MethodDecorator {
  return ApiExtension(OPERATION_EXTENSION, operation);
}
