export * from './access-token.verifier';
export * from './challenge';
export * from './issuer-metadata';
export * from './resource-server';
export * from './scope-challenge.plugin';
