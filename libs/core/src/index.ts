export * from './errors';
export * from './message-manager';
export * from './request-context';
export * from './json-schema';
export * from './contract-schema';
export * from './connection.registry';
export * from './operations.decorator';
export * from './operation.explorer';
