'use strict';
// One file's extraction in a piscina worker thread (extract.ts). Plain JavaScript, so the same file
// runs from dist/ (the build copies it: allowJs), where extract-content.js sits next to it, and from
// libs/ under jest, whose TypeScript transform does not reach worker threads: there the sources are
// transpiled as they are required (TypeScript is a dev dependency, present wherever sources run).
const fs = require('node:fs');
const path = require('node:path');
const { Buffer } = require('node:buffer');

if (!fs.existsSync(path.join(__dirname, 'extract-content.js'))) {
  const ts = require('typescript');
  require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    module._compile(outputText, filename);
  };
}

const { extractContent } = require('./extract-content');

/** `{ bytes, name, limits }`: the Extraction (plain data) of the file. */
module.exports = function extract({ bytes, name, limits }) {
  return extractContent(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, limits);
};
