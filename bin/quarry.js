#!/usr/bin/env node
// The `quarry` command runs the compiled CLI; `npm run build` produces it.
require('../dist/apps/cli/src/main.js');
