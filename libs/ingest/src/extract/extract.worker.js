'use strict';
// One file's extraction in a piscina worker thread (extract.ts).
const { Buffer } = require('node:buffer');
const requireSource = require('../../../search/src/worker-sources');

const { extractContent } = requireSource(__dirname, 'extract-content');

/** `{ bytes, name, limits }`: the Extraction (plain data) of the file. */
module.exports = function extract({ bytes, name, limits }) {
  return extractContent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, limits);
};
