export * from './runtime';
export * from './operations';
