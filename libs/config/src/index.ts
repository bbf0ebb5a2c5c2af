export * from './config';
export * from './repo-root';
export * from './config.module';
export * from './elasticsearch-config';
export * from './runtime';
