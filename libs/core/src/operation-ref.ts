import type { Operation } from './message-manager';

declare const operationTypes: unique symbol;

/**
 * A typed name of an operation: at run time the operation's name itself (so envelopes, metrics
 * and logs keep their strings and the message manager's lookup costs nothing more), to the
 * compiler a distinct type carrying the operation's argument and result types. Edges call
 * operations through these, so a typo does not compile, go-to-definition leads to where the
 * operation is declared, and `MessageManager.handle` returns the operation's result type.
 */
export type OperationRef<A = unknown, R = unknown> = string & {
  readonly [operationTypes]: { args: A; result: R };
};

export type ArgsOf<Ref> = Ref extends { readonly [operationTypes]: { args: infer A } } ? A : never;
export type ResultOf<Ref> = Ref extends { readonly [operationTypes]: { result: infer R } } ? R : never;

/** Every reference declared in this process, for the start-up check that each has an operation. */
const declared = new Set<string>();

/**
 * Declares the reference of an operation, next to its definition in the library that owns it
 * (`export const SEARCH = operationRef<SearchInput, SearchResult>('search')`).
 */
export function operationRef<A, R>(name: string): OperationRef<A, R> {
  declared.add(name);
  return name as OperationRef<A, R>;
}

/** The names of every operation reference declared so far (module load time). */
export function declaredOperationRefs(): string[] {
  return [...declared];
}

/**
 * The references among `refs` that no registered operation answers. Start-up fails on any: an
 * edge calling an operation its app never registered would otherwise only fail on first use.
 */
export function missingOperations(
  registered: { get(name: string): Operation | undefined },
  refs: Iterable<string> = declared,
): string[] {
  return [...refs].filter((name) => !registered.get(name)).sort();
}
