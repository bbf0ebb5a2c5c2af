export * from './principal';
export * from './authenticator';
export * from './rate-limiter';
export * from './auth.module';
export * from './api-keys';
export * from './api-key.repository';
export * from './oauth';
