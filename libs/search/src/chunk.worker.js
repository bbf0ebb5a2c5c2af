'use strict';
// One document's chunks in a piscina worker thread (chunk-pool.ts).
const requireSource = require('./worker-sources');

const { chunkDocument } = requireSource(__dirname, 'structured-chunker');
const { withPageLabels } = requireSource(__dirname, 'page-labels');

/** `{ body, options, pageLabels }`: the document's chunks, with their pages' labels. */
module.exports = function chunk({ body, options, pageLabels }) {
  return withPageLabels(chunkDocument(body, options), pageLabels);
};
