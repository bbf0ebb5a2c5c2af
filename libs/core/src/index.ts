export * from './errors';
export * from './message-manager';
