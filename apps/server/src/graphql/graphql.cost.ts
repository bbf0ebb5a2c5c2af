import type { ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  isObjectType,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_FIELDS, MAX_FRAGMENTS } from './graphql.limits';

/**
 * Most work one GraphQL operation may ask for, in units of one Elasticsearch query: e.g. 100
 * lexical searches, 33 hybrid ones, or a handful of searches with documents. Aliases no longer
 * multiply work for free: every field that runs an operation costs what the operation costs.
 */
export const MAX_COST = 100;

/** `extensions.code` of a refused operation. */
export const COST_LIMIT_CODE = 'COST_LIMIT_EXCEEDED';

function isRootType(schema: GraphQLSchema, type: GraphQLCompositeType): boolean {
  return (
    isObjectType(type) &&
    (type === schema.getQueryType() ||
      type === schema.getMutationType() ||
      type === schema.getSubscriptionType())
  );
}

/**
 * Fields declare their cost beside their resolver (`@Query(..., { complexity })`, the
 * operation's own cost function); a root field that declares none runs one operation and
 * costs 1; any other field is read from its parent's result and costs nothing itself.
 */
function estimators(schema: GraphQLSchema): ComplexityEstimator[] {
  return [
    fieldExtensionsEstimator(),
    ({ type, childComplexity }) => (isRootType(schema, type) ? 1 : 0) + childComplexity,
  ];
}

/**
 * Nodes the estimate may visit. It expands fragments, but GraphqlAdmission and the graphql-ws
 * gateway have refused documents over MAX_FIELDS fields or MAX_FRAGMENTS fragments before it runs.
 */
const MAX_ESTIMATED_NODES = 10 * (MAX_FIELDS + MAX_FRAGMENTS);

/** graphql-query-complexity's refusal past maxQueryNodes: the only GraphQLError not about the request's variables. */
const TOO_MANY_NODES = /maximum allowed number of nodes/;

/** The cost of the operation `operationName` of `document` with these variables. */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operationName ?? undefined,
    estimators: estimators(schema),
    maxQueryNodes: MAX_ESTIMATED_NODES,
  });
}

/** The refusal of an operation over MAX_COST, or undefined when it may run. */
export function costLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): GraphQLError | undefined {
  // An unknown or ambiguous operation name: graphql-js refuses it itself, with a 400.
  if (!getOperationAST(document, operationName ?? undefined)) return undefined;
  let cost: number;
  try {
    cost = queryCost(schema, document, variables, operationName);
  } catch (error) {
    // An operation too large to estimate is refused: it used to run without any cost check.
    if (error instanceof GraphQLError && TOO_MANY_NODES.test(error.message)) {
      return new GraphQLError(
        `query is too large to estimate its cost (more than ${MAX_ESTIMATED_NODES} selections once fragments are expanded)`,
        { extensions: { code: COST_LIMIT_CODE, maxCost: MAX_COST, http: { status: 400 } } },
      );
    }
    // Bad variables: graphql-js reports them itself when the operation runs.
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  if (cost <= MAX_COST) return undefined;
  return new GraphQLError(
    `query costs ${cost}, more than the limit of ${MAX_COST} (a lexical search costs 1, a hybrid one 3): split it into several requests`,
    { extensions: { code: COST_LIMIT_CODE, cost, maxCost: MAX_COST, http: { status: 400 } } },
  );
}

/** Refuses an over-budget operation over HTTP once it is parsed and validated, before it runs. */
export function costLimitPlugin(): ApolloServerPlugin {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ schema, document, request }) => {
        const error = costLimitError(schema, document, request.variables, request.operationName);
        if (error) throw error;
      },
    }),
  };
}
