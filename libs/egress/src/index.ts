export * from './address';
export * from './egress.errors';
export * from './egress.policy';
