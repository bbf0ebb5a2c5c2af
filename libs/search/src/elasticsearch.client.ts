import { Client, errors } from '@elastic/elasticsearch';
import { NotFoundError, QuarryError, UnavailableError } from '@quarry/core';
import { RequestIdConnection } from './request-id.connection';

export function createElasticsearchClient(url: string, requestTimeoutMs: number): Client {
  return new Client({
    node: url,
    requestTimeout: requestTimeoutMs,
    // One quick retry covers a dropped keep-alive socket; more would only delay the 503.
    maxRetries: 1,
    sniffOnStart: false,
    compression: false,
    Connection: RequestIdConnection,
  });
}

/**
 * Turns a client failure into Quarry's typed errors: a node that cannot be reached, times out
 * or reports a cluster block is "unavailable" (503), never a crash or a 500.
 */
export function mapElasticsearchError(error: unknown, notFound?: { what: string; id: string }): QuarryError {
  if (error instanceof QuarryError) return error;
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  ) {
    return new UnavailableError('elasticsearch', error.message || error.name);
  }
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    if (status === 404 && notFound) return new NotFoundError(notFound.what, notFound.id);
    if (status === 429 || status >= 500) {
      return new UnavailableError('elasticsearch', `${status} ${reasonOf(error)}`);
    }
    // A request Elasticsearch refuses is Quarry's bug (inputs are validated before they get here):
    // the client sees an internal error, the log gets Elasticsearch's reasons in full.
    const internal = new QuarryError('internal', 'elasticsearch rejected the request');
    Object.defineProperty(internal, 'cause', {
      value: Object.assign(
        new Error(`elasticsearch rejected the request (${status}): ${rootCauses(error)}`),
        {
          statusCode: status,
          body: error.meta?.body,
        },
      ),
    });
    return internal;
  }
  return new UnavailableError('elasticsearch', error instanceof Error ? error.message : String(error));
}

function reasonOf(error: InstanceType<typeof errors.ResponseError>): string {
  const body = error.meta?.body as { error?: { type?: string; reason?: string } } | undefined;
  return body?.error?.reason ?? body?.error?.type ?? error.message;
}

/** Every root cause of a refusal ("all shards failed" alone does not say why). */
function rootCauses(error: InstanceType<typeof errors.ResponseError>): string {
  const body = error.meta?.body as
    | { error?: { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] } }
    | undefined;
  const causes = (body?.error?.root_cause ?? []).map((c) => `${c.type}: ${c.reason}`);
  return [...new Set([reasonOf(error), ...causes])].join('; ');
}
