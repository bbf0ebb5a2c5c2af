export * from './health';
export * from './logger';
export * from './metrics';
export * from './audit.writer';
export * from './observability.module';
export * from './manager.plugins';
export * from './health.operation';
