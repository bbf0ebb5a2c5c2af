/** The oldest Node line Quarry supports: 20 reached end of life in April 2026, and unpdf needs 22. */
export const MIN_NODE_MAJOR = 22;

/**
 * Stops a start on an unsupported Node with a message that says what to do, rather than letting a
 * dependency fail later with an obscure error. `npm start` and `npm test` already run the Node 24
 * that `npm install` puts in node_modules/.bin on Linux x64; elsewhere the system Node is used.
 */
export function assertSupportedNode(version = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return;
  process.stderr.write(
    `quarry: Node ${version} is not supported; install Node ${MIN_NODE_MAJOR} or newer ` +
      '(Node 24 LTS recommended), or run through npm (npm start), which uses the Node 24 from ' +
      'node_modules on Linux x64\n',
  );
  process.exit(2);
}
