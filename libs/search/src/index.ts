export * from './elasticsearch.client';
export * from './index-names';
export * from './index-setup';
export * from './document.repository';
