#!/usr/bin/env node
// `npm run build` (and so every `npm start`): compiles the server (tsc, then tsc-alias for the
// @quarry/* paths) and bundles the console (vite), each only when one of its inputs is newer than
// its last build, as make would. An unchanged checkout starts without compiling anything; a change
// recompiles incrementally (tsc's build info lives in dist/, so removing dist/ rebuilds all).
// `node bin/build.js --force` builds everything.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const force = process.argv.includes('--force');
const SKIP = new Set(['node_modules', 'dist', '.quarry', '.git', 'target']);

/** The newest modification time of the files under `entries` (files or folders), skipping SKIP. */
function newest(entries, ignore = () => false) {
  let latest = 0;
  const visit = (file) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(file)) {
        const child = path.join(file, name);
        if (!SKIP.has(name) && !ignore(child)) visit(child);
      }
    } else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const entry of entries) visit(path.join(root, entry));
  return latest;
}

function stampTime(stamp) {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

/** Runs `step` when an input is newer than `stamp`, then marks the stamp with the time the step started. */
function buildWhenStale(name, stamp, inputs, step, ignore) {
  const started = new Date();
  if (!force && newest(inputs, ignore) < stampTime(stamp)) {
    process.stdout.write(`${name}: up to date\n`);
    return;
  }
  step();
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, '');
  // Files saved while the step ran are newer than the stamp, so the next build takes them.
  fs.utimesSync(stamp, started, started);
}

const bin = (tool) => path.join(root, 'node_modules', '.bin', tool);
function run(tool, args) {
  try {
    execFileSync(bin(tool), args, { cwd: root, stdio: 'inherit' });
  } catch (error) {
    // The tool has printed its errors; its exit status is the build's.
    process.exit(error.status ?? 1);
  }
}
/** Runs a tool whose progress lines say nothing when it succeeds: its output is shown only when it fails. */
function runQuietly(tool, args) {
  try {
    execFileSync(bin(tool), args, { cwd: root, stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    process.exit(error.status ?? 1);
  }
}
const consoleDir = path.join(root, 'apps', 'console');

buildWhenStale(
  'server',
  path.join(root, 'dist', '.server-built'),
  [
    'apps',
    'libs',
    'elastic/embedded/src',
    'bench',
    'tsconfig.json',
    'tsconfig.build.json',
    'package-lock.json',
  ],
  () => {
    run('tsc', ['-p', 'tsconfig.build.json']);
    run('tsc-alias', ['-p', 'tsconfig.build.json']);
  },
  (file) => file.startsWith(consoleDir),
);
// The console's GraphQL types are generated from schema.graphql (the server's contract) before the
// bundle, so a schema change rebuilds the console; the generated file is an output, not an input.
const consoleTypes = path.join(consoleDir, 'src', 'lib', 'graphql.generated.ts');
buildWhenStale(
  'console',
  path.join(root, 'dist', 'console', '.console-built'),
  ['apps/console', 'schema.graphql', 'package-lock.json'],
  () => {
    runQuietly('graphql-codegen', ['--config', 'apps/console/codegen.yml']);
    run('vite', ['build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'warn']);
  },
  (file) => file === consoleTypes,
);
