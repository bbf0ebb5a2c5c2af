import {
  ClusterConnectionPool,
  Client,
  errors,
  SniffingTransport,
  type ClientOptions,
  type TransportOptions,
} from '@elastic/elasticsearch';
import type { ElasticsearchConnectionConfig } from '@quarry/config';
import { NotFoundError, QuarryError, UnavailableError } from '@quarry/core';
import { RequestIdConnection } from './request-id.connection';

/** How often a sniffing client asks the cluster for its nodes, besides on start and after a failure. */
export const SNIFF_INTERVAL_MS = 30_000;

/**
 * The client's own transport (the one that sniffs) with `retryOnTimeout`, an option of the transport
 * that the client does not pass through: a node that hangs (rather than refusing connections) is then
 * left for the next one.
 */
export class FailoverTransport extends SniffingTransport {
  constructor(options: TransportOptions) {
    super({ ...options, retryOnTimeout: true });
  }
}

/** Credentials, CA and sniffing of a cluster Quarry did not start; a bare URL list sniffs when it has several nodes. */
export type ElasticsearchConnection = Partial<Omit<ElasticsearchConnectionConfig, 'nodes'>>;

/**
 * The client's options, apart so that they can be checked without a cluster. Requests are spread
 * round-robin over the living nodes; a node that refuses connections or answers 502/503/504 is set
 * aside (and pinged back to life) while the request is retried on the next node, so one lost node
 * costs a retry, not an outage. Timeouts are retried on another node only when there is one: a
 * single node that is slow would just be asked twice as long.
 */
export function elasticsearchClientOptions(
  urls: string | string[],
  requestTimeoutMs: number,
  connection: ElasticsearchConnection = {},
): ClientOptions {
  const nodes = (Array.isArray(urls) ? urls : urls.split(',')).map((url) => url.trim()).filter(Boolean);
  const several = nodes.length > 1;
  const sniff = connection.sniff ?? (several && !connection.cloudId);
  return {
    ...(connection.cloudId ? { cloud: { id: connection.cloudId } } : { nodes }),
    ...(connection.auth ? { auth: connection.auth } : {}),
    ...(connection.caCert ? { tls: { ca: connection.caCert } } : {}),
    requestTimeout: requestTimeoutMs,
    // One retry per other node (at least one, which covers a dropped keep-alive socket).
    maxRetries: Math.max(1, nodes.length - 1),
    ...(several || sniff ? { Transport: FailoverTransport } : {}),
    ...(connection.cloudId
      ? {}
      : { ConnectionPool: ClusterConnectionPool, resurrectStrategy: 'ping' as const }),
    sniffOnStart: sniff,
    sniffInterval: sniff ? SNIFF_INTERVAL_MS : false,
    sniffOnConnectionFault: sniff,
    compression: false,
    Connection: RequestIdConnection,
  };
}

export function createElasticsearchClient(
  urls: string | string[],
  requestTimeoutMs: number,
  connection?: ElasticsearchConnection,
): Client {
  return new Client(elasticsearchClientOptions(urls, requestTimeoutMs, connection));
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
