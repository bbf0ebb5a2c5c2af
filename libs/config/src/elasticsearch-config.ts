import { ConfigError } from './config-error';

/** How Quarry reaches a cluster it did not start: several nodes, a cloud deployment, credentials. */
export interface ElasticsearchConnectionConfig {
  /** Every listed node (ELASTICSEARCH_URL, comma-separated), or the deployment a cloud id names. */
  nodes: string[];
  /** ELASTIC_CLOUD_ID: the client resolves the deployment itself (and never sniffs behind its proxy). */
  cloudId?: string;
  auth?: { apiKey: string } | { username: string; password: string };
  /** PEM of the CA that signed the cluster's certificate (read from ELASTICSEARCH_CA_CERT, a file). */
  caCert?: string;
  /**
   * Ask the cluster for its nodes on start, every minute and after a connection failure
   * (QUARRY_ES_SNIFF; default: when more than one node is listed and no cloud id is set, since a
   * single URL is usually a load balancer or a container name whose published addresses are not
   * reachable from here).
   */
  sniff: boolean;
}

/** Index kinds whose shards and replicas can be set one by one (`vectors=6`). */
export const LAYOUT_INDEX_KINDS = ['docs', 'vectors', 'meta', 'live', 'audit'] as const;
export type LayoutIndexKind = (typeof LAYOUT_INDEX_KINDS)[number];

/** Shards and replicas of an index; `replicas: 'auto'` = one replica when a second node exists (0-1). */
export interface IndexShape {
  shards: number;
  replicas: number | 'auto';
}

/**
 * What new index versions are created with (QUARRY_INDEX_SHARDS, QUARRY_INDEX_REPLICAS): a default
 * and per-kind overrides. `replicasExplicit`: replicas were configured, so existing indices follow.
 */
export interface IndexLayoutConfig {
  default: IndexShape;
  overrides: Partial<Record<LayoutIndexKind, Partial<IndexShape>>>;
  replicasExplicit: boolean;
}

export function shapeOf(layout: IndexLayoutConfig, kind: string): IndexShape {
  const override = layout.overrides[kind as LayoutIndexKind] ?? {};
  return { ...layout.default, ...override };
}

/** The deployment URL inside a cloud id (`name:base64(host$es-uuid$kibana-uuid)`). */
export function cloudIdUrl(cloudId: string): string {
  const url = decodeCloudId(cloudId);
  if (url === undefined)
    throw new ConfigError('ELASTIC_CLOUD_ID', 'is not a cloud id like "name:base64(host$es-id$kibana-id)"');
  return url;
}

/** The deployment URL of a cloud id, or undefined when it is not one. */
export function decodeCloudId(cloudId: string): string | undefined {
  const encoded = cloudId.slice(cloudId.indexOf(':') + 1);
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const [host, esId] = decoded.split('$');
  if (!cloudId.includes(':') || !host || !esId || !/^[a-z0-9.-]+(:\d+)?$/i.test(host)) return undefined;
  const [hostname, port] = host.split(':');
  return `https://${esId}.${hostname}${port && port !== '443' ? `:${port}` : ''}`;
}
