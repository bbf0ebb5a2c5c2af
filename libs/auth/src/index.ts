export * from './principal';
export * from './authenticator';
export * from './rate-limiter';
