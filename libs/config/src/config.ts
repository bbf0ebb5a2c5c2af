import * as path from 'node:path';
import { findRepoRoot } from './repo-root';

export type Role = 'reader' | 'writer' | 'admin';

export interface ApiKeyConfig {
  key: string;
  role: Role;
}

export type EmbedderConfig =
  { kind: 'local' } | { kind: 'openai'; url: string; model: string; apiKey?: string; dims?: number };

/** Everything Quarry reads from its environment, validated once at start-up. */
export interface QuarryConfig {
  port: number;
  host: string;
  /** Set when the user points Quarry at their own cluster: then nothing is started. */
  elasticsearchUrl?: string;
  /** Port of the embedded Elasticsearch node when `elasticsearchUrl` is not set. */
  embeddedElasticsearchPort: number;
  /** JVM heap of the embedded node (-Xms/-Xmx). */
  embeddedElasticsearchHeap: string;
  redisUrl: string;
  /** True when REDIS_URL came from the environment: then Quarry never starts its own Redis. */
  redisUrlExplicit: boolean;
  apiKeys: ApiKeyConfig[];
  embedder: EmbedderConfig;
  /** Prefix of every index and alias name (`quarry` → `quarry-docs`); tests use their own. */
  indexPrefix: string;
  /** Where the embedded services keep data, pid files and logs. */
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Upper bound for one request to Elasticsearch or Redis before it is answered as unavailable. */
  requestTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const ROLES: readonly Role[] = ['reader', 'writer', 'admin'];

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a port number 1-65535, got "${raw}"`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new ConfigError(name, `must be a port number 1-65535, got "${raw}"`);
  return port;
}

function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new ConfigError(name, `must be a positive integer, got "${raw}"`);
  }
  return Number(raw);
}

function readApiKeys(env: Env): ApiKeyConfig[] {
  const raw = env.QUARRY_API_KEYS;
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const [key, role, ...rest] = entry.trim().split(':');
    if (!key || !role || rest.length > 0) {
      throw new ConfigError('QUARRY_API_KEYS', `each entry must be key:role, got "${entry.trim()}"`);
    }
    if (!ROLES.includes(role as Role)) {
      throw new ConfigError('QUARRY_API_KEYS', `role must be one of ${ROLES.join(', ')}, got "${role}"`);
    }
    if (key.length < 8) {
      throw new ConfigError('QUARRY_API_KEYS', `key for role ${role} is shorter than 8 characters`);
    }
    return { key, role: role as Role };
  });
}

function readEmbedder(env: Env): EmbedderConfig {
  const kind = env.QUARRY_EMBEDDER || 'local';
  if (kind === 'local') return { kind };
  if (kind !== 'openai')
    throw new ConfigError('QUARRY_EMBEDDER', `must be "local" or "openai", got "${kind}"`);
  const url = readUrl(env, 'QUARRY_EMBEDDER_URL', ['http:', 'https:']);
  if (!url) throw new ConfigError('QUARRY_EMBEDDER_URL', 'is required when QUARRY_EMBEDDER=openai');
  const model = env.QUARRY_EMBEDDER_MODEL;
  if (!model) throw new ConfigError('QUARRY_EMBEDDER_MODEL', 'is required when QUARRY_EMBEDDER=openai');
  const dims = env.QUARRY_EMBEDDER_DIMS ? readPositiveInt(env, 'QUARRY_EMBEDDER_DIMS', 0) : undefined;
  return { kind, url, model, apiKey: env.QUARRY_EMBEDDER_API_KEY || undefined, dims };
}

/** Reads and validates the environment; throws a ConfigError naming the variable on the first bad value. */
export function loadConfig(env: Env = process.env): QuarryConfig {
  const host = env.HOST || '127.0.0.1';
  const apiKeys = readApiKeys(env);
  if (!LOOPBACK_HOSTS.has(host) && apiKeys.length === 0) {
    throw new ConfigError(
      'HOST',
      `binding to non-loopback address "${host}" without QUARRY_API_KEYS would expose every document ` +
        'and admin operation to the network; set QUARRY_API_KEYS (key:role,...) or bind to 127.0.0.1',
    );
  }
  const logLevel = (env.LOG_LEVEL || 'info') as QuarryConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const indexPrefix = env.QUARRY_INDEX_PREFIX || 'quarry';
  if (!/^[a-z][a-z0-9_-]{0,40}$/.test(indexPrefix)) {
    throw new ConfigError(
      'QUARRY_INDEX_PREFIX',
      `must be lowercase letters, digits, - or _, got "${indexPrefix}"`,
    );
  }
  const heap = env.QUARRY_ES_HEAP || '1g';
  if (!/^\d+[mg]$/i.test(heap))
    throw new ConfigError('QUARRY_ES_HEAP', `must look like 512m or 1g, got "${heap}"`);
  const redisFromEnv = readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
  return {
    port: readPort(env, 'PORT', 3000),
    host,
    elasticsearchUrl: readUrl(env, 'ELASTICSEARCH_URL', ['http:', 'https:']),
    embeddedElasticsearchPort: readPort(env, 'QUARRY_ES_PORT', 9201),
    embeddedElasticsearchHeap: heap,
    redisUrl: redisFromEnv ?? 'redis://127.0.0.1:6379',
    redisUrlExplicit: redisFromEnv !== undefined,
    apiKeys,
    embedder: readEmbedder(env),
    indexPrefix,
    dataDir: path.resolve(env.QUARRY_DATA_DIR || path.join(findRepoRoot(), '.quarry')),
    logLevel,
    requestTimeoutMs: readPositiveInt(env, 'QUARRY_REQUEST_TIMEOUT_MS', 10000),
  };
}
