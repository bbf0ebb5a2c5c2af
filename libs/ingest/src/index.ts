export * from './extract';
export * from './files';
