export * from './managed-process';
export * from './redis.launcher';
export * from './services';
export * from './embedding-model';
