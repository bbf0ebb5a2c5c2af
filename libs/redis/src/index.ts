export * from './redis.bus';
export * from './resource.cache';
export * from './query.cache';
export * from './redis.module';
