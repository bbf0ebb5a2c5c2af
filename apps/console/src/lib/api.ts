import { createClient, type Client } from 'graphql-ws';
import { oauthToken } from './oauth';

/**
 * Quarry's public GraphQL API, as a frontend uses it: queries and mutations over HTTP POST,
 * subscriptions over graphql-ws on the same path. The console reaches Quarry through this only
 * (plus /metrics for the operations charts).
 */

const KEY_STORAGE = 'quarry.apiKey';

export interface GraphqlErrorShape {
  message: string;
  extensions?: { code?: string; problems?: { field: string; reason: string }[] };
}

export class GraphqlError extends Error {
  constructor(
    readonly errors: GraphqlErrorShape[],
    readonly status = 200,
  ) {
    super(errors.map((e) => e.message).join('; '));
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** The key lives for this tab's session only. */
export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  socket?.dispose();
  socket = undefined;
}

/** The signed-in user's access token (in memory), else the API key of this tab. */
function credential(): string | null {
  return oauthToken() ?? apiKey();
}

function authHeaders(): Record<string, string> {
  const key = credential();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Runs one query or mutation. `T` and `V` are the operation's generated result and variable types
 * (graphql.generated.ts) for the operations in operations.ts.
 */
export async function gql<T = Record<string, unknown>, V extends object = Record<string, unknown>>(
  query: string,
  variables: V = {} as V,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphqlError([{ message: 'Quarry cannot be reached', extensions: { code: 'NETWORK' } }]);
  }
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: GraphqlErrorShape[] };
  if (body.errors?.length) throw new GraphqlError(body.errors, response.status);
  if (!body.data) throw new GraphqlError([{ message: `HTTP ${response.status}` }], response.status);
  return body.data;
}

let socket: Client | undefined;

function client(): Client {
  socket ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => {
      const key = credential();
      return key ? { authorization: `Bearer ${key}` } : {};
    },
    lazy: true,
    retryAttempts: 5,
  });
  return socket;
}

export interface SubscriptionHandlers<T> {
  next(value: T): void;
  error?(error: GraphqlError): void;
  complete?(): void;
}

/** Subscribes to one subscription field; returns the function that stops it. */
export function subscribe<T, V extends object = Record<string, unknown>>(
  query: string,
  variables: V,
  handlers: SubscriptionHandlers<T>,
): () => void {
  return client().subscribe<Record<string, T>>(
    { query, variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) handlers.error?.(new GraphqlError(result.errors as GraphqlErrorShape[]));
        else if (result.data) handlers.next(Object.values(result.data)[0] as T);
      },
      error: (error) => {
        const message =
          error instanceof Error
            ? error.message
            : Array.isArray(error)
              ? (error as GraphqlErrorShape[]).map((e) => e.message).join('; ')
              : 'the subscription socket closed';
        handlers.error?.(
          Array.isArray(error)
            ? new GraphqlError(error as GraphqlErrorShape[])
            : new GraphqlError([{ message, extensions: { code: 'SOCKET' } }]),
        );
      },
      complete: () => handlers.complete?.(),
    },
  );
}

export function errorText(error: unknown): string {
  if (error instanceof GraphqlError) {
    const problems = error.errors.flatMap((e) => e.extensions?.problems ?? []);
    if (problems.length) return problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
