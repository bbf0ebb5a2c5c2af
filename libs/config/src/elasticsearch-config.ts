import * as fs from 'node:fs';
import { ConfigError } from './config';

type Env = Record<string, string | undefined>;

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

function parseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(name, `must use http: or https:, got "${url.protocol}" in "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/** The deployment URL inside a cloud id (`name:base64(host$es-uuid$kibana-uuid)`). */
export function cloudIdUrl(cloudId: string): string {
  const encoded = cloudId.slice(cloudId.indexOf(':') + 1);
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const [host, esId] = decoded.split('$');
  if (!cloudId.includes(':') || !host || !esId || !/^[a-z0-9.-]+(:\d+)?$/i.test(host))
    throw new ConfigError('ELASTIC_CLOUD_ID', 'is not a cloud id like "name:base64(host$es-id$kibana-id)"');
  const [hostname, port] = host.split(':');
  return `https://${esId}.${hostname}${port && port !== '443' ? `:${port}` : ''}`;
}

function readBooleanOr(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** ELASTICSEARCH_URL (one URL or a comma-separated list), ELASTIC_CLOUD_ID and credentials; undefined = embedded node. */
export function readElasticsearchConnection(env: Env): ElasticsearchConnectionConfig | undefined {
  const listed = (env.ELASTICSEARCH_URL ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => parseUrl('ELASTICSEARCH_URL', entry));
  const cloudId = env.ELASTIC_CLOUD_ID?.trim() || undefined;
  if (cloudId && listed.length > 0)
    throw new ConfigError('ELASTIC_CLOUD_ID', 'set either ELASTIC_CLOUD_ID or ELASTICSEARCH_URL, not both');
  const nodes = cloudId ? [cloudIdUrl(cloudId)] : [...new Set(listed)];
  if (nodes.length === 0) return undefined;

  const apiKey = env.ELASTICSEARCH_API_KEY || undefined;
  const username = env.ELASTICSEARCH_USERNAME || undefined;
  const password = env.ELASTICSEARCH_PASSWORD || undefined;
  if (apiKey && (username || password))
    throw new ConfigError(
      'ELASTICSEARCH_API_KEY',
      'set either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD, not both',
    );
  if (Boolean(username) !== Boolean(password))
    throw new ConfigError(
      username ? 'ELASTICSEARCH_PASSWORD' : 'ELASTICSEARCH_USERNAME',
      'ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together',
    );
  const auth = apiKey ? { apiKey } : username && password ? { username, password } : undefined;

  let caCert: string | undefined;
  if (env.ELASTICSEARCH_CA_CERT) {
    try {
      caCert = fs.readFileSync(env.ELASTICSEARCH_CA_CERT, 'utf8');
    } catch {
      throw new ConfigError('ELASTICSEARCH_CA_CERT', `cannot read "${env.ELASTICSEARCH_CA_CERT}"`);
    }
    if (!caCert.includes('BEGIN CERTIFICATE'))
      throw new ConfigError(
        'ELASTICSEARCH_CA_CERT',
        `"${env.ELASTICSEARCH_CA_CERT}" is not a PEM certificate`,
      );
  }
  const sniff = readBooleanOr(env, 'QUARRY_ES_SNIFF') ?? (!cloudId && nodes.length > 1);
  if (sniff && cloudId)
    throw new ConfigError(
      'QUARRY_ES_SNIFF',
      'cannot sniff a cloud deployment (its nodes sit behind a proxy)',
    );
  return {
    nodes,
    ...(cloudId ? { cloudId } : {}),
    ...(auth ? { auth } : {}),
    ...(caCert ? { caCert } : {}),
    sniff,
  };
}

function parseCount(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > 1024)
    throw new ConfigError(name, `must be a whole number ${min}-1024, got "${raw}"`);
  return Number(raw);
}

/**
 * `3` (every index) or `3,vectors=6,meta=1` (a default and per-index values). Replicas also take
 * `auto` (0-1: one replica as soon as a second node exists).
 */
function readPerIndex(
  env: Env,
  name: string,
  parse: (raw: string) => number | 'auto',
): { value?: number | 'auto'; perKind: Partial<Record<LayoutIndexKind, number | 'auto'>> } {
  const perKind: Partial<Record<LayoutIndexKind, number | 'auto'>> = {};
  let value: number | 'auto' | undefined;
  for (const entry of (env[name] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kind, raw] = entry.includes('=') ? entry.split('=', 2).map((s) => s.trim()) : [undefined, entry];
    if (kind === undefined) {
      value = parse(raw);
      continue;
    }
    if (!(LAYOUT_INDEX_KINDS as readonly string[]).includes(kind))
      throw new ConfigError(name, `"${kind}" is not an index (one of ${LAYOUT_INDEX_KINDS.join(', ')})`);
    perKind[kind as LayoutIndexKind] = parse(raw);
  }
  return { value, perKind };
}

export function readIndexLayout(env: Env): IndexLayoutConfig {
  const shards = readPerIndex(env, 'QUARRY_INDEX_SHARDS', (raw) => parseCount('QUARRY_INDEX_SHARDS', raw, 1));
  const replicas = readPerIndex(env, 'QUARRY_INDEX_REPLICAS', (raw) =>
    raw.toLowerCase() === 'auto' ? 'auto' : parseCount('QUARRY_INDEX_REPLICAS', raw, 0),
  );
  const overrides: IndexLayoutConfig['overrides'] = {};
  for (const kind of LAYOUT_INDEX_KINDS) {
    const s = shards.perKind[kind];
    const r = replicas.perKind[kind];
    if (s !== undefined || r !== undefined)
      overrides[kind] = {
        ...(s !== undefined ? { shards: s as number } : {}),
        ...(r !== undefined ? { replicas: r } : {}),
      };
  }
  return {
    default: { shards: (shards.value as number | undefined) ?? 1, replicas: replicas.value ?? 'auto' },
    overrides,
    replicasExplicit: replicas.value !== undefined || Object.keys(replicas.perKind).length > 0,
  };
}
