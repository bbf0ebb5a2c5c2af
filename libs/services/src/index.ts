export * from '@quarry/process';
export * from './redis.launcher';
export * from './services';
export * from './embedding-model';
