import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * Issue 26, done when "no edge names an operation by string": the edges (REST controllers,
 * GraphQL resolvers, MCP transports and requests, the CLI) call operations through the typed
 * references their libraries export. A name is data only where it comes from the caller (a tool
 * called by name), never a literal in the code. Route paths, command names and decorators'
 * arguments are not operation names and are not looked at.
 */
const ROOT = process.env.QUARRY_EDGE_SCAN_ROOT ?? join(__dirname, '../../..');
const EDGES = ['apps/server/src', 'apps/cli/src', 'libs/mcp/src'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'console' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every operation name a library declares a reference for (`operationRef<...>('name')`). */
function operationNames(): Set<string> {
  const names = new Set<string>();
  for (const file of sources(join(ROOT, 'libs'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/operationRef<[\s\S]*?>\(\s*'([a-z_]+)'/g))
      names.add(match[1]);
  }
  return names;
}

/** String literals naming an operation where an operation is called: `op: '...'` or a call's argument. */
export function operationNamesByString(source: string, names: Set<string>, file = 'edge.ts'): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const insideDecorator = (node: ts.Node): boolean => !!ts.findAncestor(node, ts.isDecorator);
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) && names.has(node.text) && !insideDecorator(node)) {
      const parent = node.parent;
      const asOp =
        ts.isPropertyAssignment(parent) && parent.initializer === node && parent.name.getText() === 'op';
      const asArgument =
        ts.isCallExpression(parent) &&
        parent.arguments.includes(node) &&
        // commander's `.command('search')` names a CLI command, not an operation.
        !(ts.isPropertyAccessExpression(parent.expression) && parent.expression.name.text === 'command');
      if (asOp || asArgument) {
        const { line } = tree.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${file}:${line + 1} '${node.text}'`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

describe('edges name operations by typed reference', () => {
  const names = operationNames();

  it('finds the operation references the libraries declare', () => {
    expect(names.size).toBeGreaterThan(30);
    expect(names).toContain('search');
  });

  it('recognises the string-named calls it forbids, and not route paths or commands', () => {
    const old = `
      class C {
        @Post('search') @RunsOperation('search')
        search(request, body) { return this.edge.handle(request, 'search', body); }
      }
      program.command('search');
      execute<Job>(context, 'get_job', { id });
      manager.handle({ op: 'index_documents', args });`;
    expect(operationNamesByString(old, names)).toEqual([
      "edge.ts:4 'search'",
      "edge.ts:7 'get_job'",
      "edge.ts:8 'index_documents'",
    ]);
  });

  it('no edge names an operation by string', () => {
    const offenders = EDGES.flatMap((dir) =>
      sources(join(ROOT, dir)).flatMap((file) =>
        operationNamesByString(readFileSync(file, 'utf8'), names, relative(ROOT, file)),
      ),
    );
    expect(offenders).toEqual([]);
  });
});
