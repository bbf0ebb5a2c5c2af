export * from './errors';
export * from './message-manager';
export * from './request-context';
export * from './json-schema';
export * from './contract';
export * from './mcp';
export * from './connection.registry';
