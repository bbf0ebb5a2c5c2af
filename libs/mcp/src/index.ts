export * from './mcp.requests';
export * from './mcp.server';
export * from './session.hub';
export * from './wire-errors';
export * from './mcp.module';
export * from './registry-sync';
export * from './listen-guard';
export * from './mcp.tasks';
