export * from './channels';
export * from './redis.bus';
export * from './query.cache';
export * from './redis.module';
export * from './redis-writes.plugin';
