import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Deepest selection nesting accepted; Quarry's schema needs 5 (search → hits → document → ...). */
export const MAX_DEPTH = 10;
/** Most fields one operation may select, counting each fragment use in full. */
export const MAX_FIELDS = 1000;
/** Tokens the parser reads before giving up, which bounds parse time and memory of huge queries. */
export const MAX_TOKENS = 20_000;

function measure(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  depth: number,
  seen: Set<string>,
): { depth: number; fields: number } {
  let deepest = depth;
  let fields = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields++;
      if (selection.selectionSet) {
        const inner = measure(selection.selectionSet, fragments, depth + 1, seen);
        deepest = Math.max(deepest, inner.depth);
        fields += inner.fields;
      }
    } else {
      const set =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection.selectionSet
          : fragments.get(selection.name.value)?.selectionSet;
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      // A fragment that spreads itself is reported by graphql's own NoFragmentCycles rule.
      if (!set || (name && seen.has(name))) continue;
      const inner = measure(set, fragments, depth, name ? new Set([...seen, name]) : seen);
      deepest = Math.max(deepest, inner.depth);
      fields += inner.fields;
    }
  }
  return { depth: deepest, fields };
}

/**
 * Refuses operations nested deeper than MAX_DEPTH or selecting more than MAX_FIELDS fields,
 * before anything runs: a deep or wide query cannot make Quarry do unbounded work.
 */
export function queryLimitsRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map(
    context
      .getDocument()
      .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  return {
    OperationDefinition(operation) {
      const { depth, fields } = measure(operation.selectionSet, fragments, 1, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, { nodes: [operation] }),
        );
      }
      if (fields > MAX_FIELDS) {
        context.reportError(
          new GraphQLError(`query selects ${fields} fields, more than the limit of ${MAX_FIELDS}`, {
            nodes: [operation],
          }),
        );
      }
    },
  };
}
