export * from './extraction';
export * from './extract';
export { looksLikeText, decodeText } from './text';
export { linksOf } from './html';
