import type { IncomingMessage, ServerResponse } from 'node:http';
import { json } from 'express';
import type { Authenticator } from '@quarry/auth';
import { credentialsOf } from '../rest/envelope';

/** Request bodies of callers with credentials: a bulk ingest of 1,000 documents fits. */
export const BODY_LIMIT = '20mb';
/**
 * Request bodies of callers without credentials where credentials are required: enough for the
 * requests that earn them a 401 and its challenge (an MCP `initialize`, a GraphQL query), and no
 * more, so an anonymous caller cannot make Quarry parse megabytes of JSON before refusing it.
 */
export const ANONYMOUS_BODY_BYTES = 64 * 1024;

const hasCredentials = (request: IncomingMessage) => {
  const { authorization, apiKey } = credentialsOf(request);
  return Boolean(authorization || apiKey);
};

/**
 * The JSON body parser, with a limit by caller: the full one in protected mode (loopback callers
 * are the local admin) and for requests that carry credentials, a small one for the others. The
 * credentials are checked later by each edge; only their presence decides how much is read here.
 */
export function jsonBodyParser(auth: Authenticator) {
  const full = json({ limit: BODY_LIMIT });
  const anonymous = json({ limit: ANONYMOUS_BODY_BYTES });
  return (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => {
    if (auth.protectedMode || hasCredentials(request)) return full(request as never, response as never, next);
    // Too large for a caller without credentials: the answer is the 401 (and its challenge) that
    // the edge would have given, not "too large", which would send the client the wrong way.
    const refuse = (error: unknown) =>
      auth.authenticate(credentialsOf(request)).then(() => next(error), next);
    // A body declared too large is refused at once, without waiting for it.
    if (Number(request.headers['content-length']) > ANONYMOUS_BODY_BYTES)
      return void refuse(Object.assign(new Error('request body is too large'), { status: 413 }));
    anonymous(request as never, response as never, (error?: unknown) =>
      (error as { status?: number } | undefined)?.status === 413 ? void refuse(error) : next(error),
    );
  };
}
