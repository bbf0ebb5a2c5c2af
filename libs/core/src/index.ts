export * from './errors';
export * from './message-manager';
export * from './json-schema';
export * from './mcp';
