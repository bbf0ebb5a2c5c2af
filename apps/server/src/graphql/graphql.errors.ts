import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ERROR_TABLE, InvalidError, QuarryError, toQuarryError } from '@quarry/core';
import type { Logger } from '@quarry/observability';

/** The error a resolver threw, under graphql-js's and Apollo's wrappers. */
function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError && current.originalError !== current) {
    current = current.originalError;
  }
  return current;
}

/**
 * Maps an error to what the client sees, through the one error table: `extensions.code` is
 * ERROR_TABLE[kind].graphql and an invalid input lists its fields in `extensions.problems`.
 * Errors of GraphQL itself (syntax, unknown fields, wrong argument types) keep their message
 * and get BAD_USER_INPUT unless Apollo gave them a more precise code. Internal errors are
 * logged and reach the client as "internal error" only.
 */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const original = originalOf(error);
  const { message: _message, extensions: _extensions, ...where } = formatted;
  if (original instanceof GraphQLError || (!(original instanceof Error) && error instanceof GraphQLError)) {
    const code = formatted.extensions?.code ?? ERROR_TABLE.invalid.graphql;
    return { ...where, message: formatted.message, extensions: { code } };
  }
  const quarry: QuarryError = original instanceof QuarryError ? original : toQuarryError(original);
  if (quarry.kind === 'internal') {
    logger.error(
      { err: (quarry as { cause?: unknown }).cause ?? original, path: formatted.path },
      'internal error',
    );
  }
  const details = quarry instanceof InvalidError ? { problems: quarry.problems } : quarry.details;
  return {
    ...where,
    message: quarry.message,
    extensions: { code: ERROR_TABLE[quarry.kind].graphql, kind: quarry.kind, ...details },
  };
}
