import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Deepest selection nesting accepted; Quarry's schema needs 5 (search → hits → document → ...). */
export const MAX_DEPTH = 10;
/** Most fields one operation may select, counting each fragment use in full. */
export const MAX_FIELDS = 1000;
/**
 * Most fragments (spreads of named ones and inline ones) one operation may expand, counting each
 * use in full: a long chain of fragments spread many times selects few fields but still makes
 * every later pass walk each of them, and the cost estimate gives up (and let the operation
 * through) after 10,000 nodes.
 */
export const MAX_FRAGMENTS = 1000;
/** Tokens the parser reads before giving up, which bounds parse time and memory of huge queries. */
export const MAX_TOKENS = 20_000;

/** Counts stop here: what matters is being over the limit, and 2^N must not become work or Infinity. */
const COUNT_CEILING = 1_000_000;
/** Nesting is followed this far, so a deep document costs no deep recursion; deeper reads as "over". */
const DEPTH_CEILING = 100;

/** The code graphql's own validation errors get, over HTTP (Apollo) and graphql-ws alike. */
const VALIDATION_FAILED = ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED;

const add = (a: number, b: number) => Math.min(a + b, COUNT_CEILING);
const shown = (count: number, ceiling: number) => (count >= ceiling ? `over ${ceiling}` : String(count));

/** What a selection set asks for once every fragment in it is expanded. */
interface Extent {
  /** Deepest field nesting below the set (a leaf field is 1). */
  depth: number;
  fields: number;
  /** Named fragment spreads and inline fragments. */
  fragments: number;
}

/** Names of the fragments a selection set spreads, at any nesting, in document order. */
function spreadNames(set: SelectionSetNode): string[] {
  const names = new Set<string>();
  const pending = [set];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const selection of next.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.add(selection.name.value);
      else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return [...names];
}

/**
 * Measures a document's operations as if every fragment were expanded, without expanding any:
 * each fragment is measured once, after the fragments it spreads, and its extent reused at every
 * spread, so the work is linear in the document's size however the fragments multiply. The
 * fragments are ordered with an explicit stack: a chain of thousands of fragments costs no deep
 * recursion. A fragment that spreads itself (directly or through others) is a cycle, reported
 * with its path.
 */
class DocumentMeasure {
  private readonly extents = new Map<string, Extent>();
  readonly cycles: string[][] = [];

  constructor(document: DocumentNode) {
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    // Fragments on the stack are being measured: spreading one of them again closes a cycle.
    const onStack = new Set<string>();
    for (const root of fragments.keys()) {
      if (this.extents.has(root)) continue;
      const stack = [{ name: root, spreads: spreadNames(fragments.get(root)!.selectionSet).reverse() }];
      onStack.add(root);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const child = top.spreads.pop();
        if (child === undefined) {
          // Everything it spreads is measured (or is a cycle, which counts nothing): measure it.
          this.extents.set(top.name, this.selectionSet(fragments.get(top.name)!.selectionSet));
          onStack.delete(top.name);
          stack.pop();
        } else if (onStack.has(child)) {
          const from = stack.findIndex((entry) => entry.name === child);
          this.cycles.push([...stack.slice(from).map((entry) => entry.name), child]);
        } else if (fragments.has(child) && !this.extents.has(child)) {
          onStack.add(child);
          stack.push({ name: child, spreads: spreadNames(fragments.get(child)!.selectionSet).reverse() });
        }
      }
    }
  }

  /**
   * The extent of a selection set whose fragments are measured already. Fields nest at most
   * DEPTH_CEILING deep here, and inline fragments no deeper than the parser could read.
   */
  selectionSet(set: SelectionSetNode, level = 0): Extent {
    let depth = 0;
    let fields = 0;
    let fragments = 0;
    for (const selection of set.selections) {
      let inner: Extent | undefined;
      if (selection.kind === Kind.FIELD) {
        fields = add(fields, 1);
        depth = Math.max(depth, 1);
        if (selection.selectionSet && level < DEPTH_CEILING) {
          inner = this.selectionSet(selection.selectionSet, level + 1);
          inner = { ...inner, depth: inner.depth + 1 };
        } else if (selection.selectionSet) {
          depth = DEPTH_CEILING;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        fragments = add(fragments, 1);
        inner = this.selectionSet(selection.selectionSet, level);
      } else {
        fragments = add(fragments, 1);
        // Unknown fragments are graphql's to report; a fragment in a cycle counts nothing.
        inner = this.extents.get(selection.name.value);
      }
      if (!inner) continue;
      depth = Math.max(depth, inner.depth);
      fields = add(fields, inner.fields);
      fragments = add(fragments, inner.fragments);
    }
    return { depth: Math.min(depth, DEPTH_CEILING), fields, fragments };
  }
}

/**
 * Refuses documents whose operations, fragments expanded, nest deeper than MAX_DEPTH, select more
 * than MAX_FIELDS fields or expand more than MAX_FRAGMENTS fragments, and fragment cycles.
 * Linear in the document's size: it runs before graphql's own validation, so a small document
 * that multiplies through fragments costs nothing to refuse.
 */
export function documentLimitErrors(document: DocumentNode): GraphQLError[] {
  const measure = new DocumentMeasure(document);
  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const { depth, fields, fragments } = measure.selectionSet(definition.selectionSet);
    const nodes = [definition];
    if (depth > MAX_DEPTH) {
      errors.push(
        new GraphQLError(`query depth ${shown(depth, DEPTH_CEILING)} exceeds the limit of ${MAX_DEPTH}`, {
          nodes,
          extensions: { code: VALIDATION_FAILED, limit: 'depth', max: MAX_DEPTH },
        }),
      );
    }
    if (fields > MAX_FIELDS) {
      errors.push(
        new GraphQLError(
          `query selects ${shown(fields, COUNT_CEILING)} fields, more than the limit of ${MAX_FIELDS}`,
          { nodes, extensions: { code: VALIDATION_FAILED, limit: 'fields', max: MAX_FIELDS } },
        ),
      );
    }
    if (fragments > MAX_FRAGMENTS) {
      errors.push(
        new GraphQLError(
          `query expands ${shown(fragments, COUNT_CEILING)} fragments (named and inline), more than the limit of ${MAX_FRAGMENTS}`,
          { nodes, extensions: { code: VALIDATION_FAILED, limit: 'fragments', max: MAX_FRAGMENTS } },
        ),
      );
    }
  }
  for (const cycle of measure.cycles) {
    errors.push(
      new GraphQLError(`fragment cycle: ${cycle.join(' → ')}`, {
        extensions: { code: VALIDATION_FAILED, limit: 'fragment cycles' },
      }),
    );
  }
  return errors;
}

/**
 * A request's document, parsed within MAX_TOKENS. Every failure is a GraphQLError, also a
 * nesting deep enough (a few thousand levels fit in MAX_TOKENS) to exhaust the parser's stack.
 */
export function parseQuery(source: string): DocumentNode {
  try {
    return parse(source, { maxTokens: MAX_TOKENS });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new GraphQLError(`Syntax Error: the document nests too deeply to parse`, {
        extensions: { code: ApolloServerErrorCode.GRAPHQL_PARSE_FAILED },
      });
    }
    throw error;
  }
}
