export * from './prop';
