export * from './live-types';
export * from './live-queue';
export * from './live-matcher';
export * from './live-query.repository';
export * from './live-registry';
export * from './live-query.service';
export * from './live-operations';
export * from './live.module';
