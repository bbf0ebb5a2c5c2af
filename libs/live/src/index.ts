export * from './redis.bus';
