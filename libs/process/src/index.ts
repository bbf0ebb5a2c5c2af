export * from './managed-process';
