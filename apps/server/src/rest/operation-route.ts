import { ApiExtension } from '@nestjs/swagger';

export const OPERATION_EXTENSION = 'x-quarry-operation';

/**
 * Names the message-manager operation a route runs, so /openapi.json describes the route's
 * result with that operation's declared output schema and says which role it needs.
 */
export function RunsOperation(name: string): MethodDecorator {
  return ApiExtension(OPERATION_EXTENSION, name);
}
