'use strict';
// How a piscina worker file (plain JavaScript) loads Quarry modules: from dist/, where the build has
// compiled them next to it (allowJs copies the worker files), or from libs/ under jest, whose
// TypeScript transform does not reach worker threads: there the sources are transpiled as they are
// required (TypeScript is a dev dependency, present wherever sources run). Used by
// libs/search/src/chunk.worker.js and libs/ingest/src/extract/extract.worker.js (the same relative
// layout in libs/ and dist/libs/).
const fs = require('node:fs');
const path = require('node:path');

/** `require(<dir>/<name>)`, the compiled `.js` when it exists, else the `.ts` source transpiled. */
module.exports = function requireSource(dir, name) {
  if (!fs.existsSync(path.join(dir, `${name}.js`)) && !require.extensions['.ts']) {
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
  return require(path.join(dir, name));
};
