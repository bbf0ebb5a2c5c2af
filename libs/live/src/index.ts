export * from './redis.bus';
export * from './resource.cache';
