import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from '@quarry/core';
import type { ApiKeyConfig } from './config';
import { decodeCloudId, LAYOUT_INDEX_KINDS, type LayoutIndexKind } from './elasticsearch-config';

/**
 * Every environment variable Quarry reads, declared once: type, coercion, default, bounds and the
 * description the README's table is printed from (`npm run config:table`). An issue's path starts
 * with the variable's name and its message is the reason, so loadConfig can say
 * `PORT: must be a port number 1-65535, got "abc"`. Rules that tie variables together (credentials
 * for a public bind, JWT secret or key, OAuth, nodes or cloud id) are applied after parsing, in
 * config.ts. Empty values count as unset.
 */

type Ctx = z.core.$RefinementCtx;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reports `reason` for this variable and ends its parse. */
function fail(ctx: Ctx, input: unknown, reason: string): never {
  ctx.issues.push({ code: 'custom', input, message: reason });
  return z.NEVER as never;
}

/** A whole number within bounds; `reason` says what is expected, followed by what was given. */
function whole(reason: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = (issue: { input?: unknown }) => `${reason}, got "${String(issue.input)}"`;
  return z
    .string()
    .regex(/^\d+$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }));
}
const port = () => whole('must be a port number 1-65535', 1, 65535);
const positive = () => whole('must be a positive integer', 1);
const unlimitedOrCount = () => whole('must be a whole number (0 = unlimited)', 0);

const bool = () =>
  z.stringbool({
    truthy: ['true', '1', 'yes'],
    falsy: ['false', '0', 'no'],
    case: 'insensitive',
    error: (issue) => `must be true or false, got "${String(issue.input)}"`,
  });

/** An absolute URL with one of `protocols`, trailing slashes dropped unless `keepAsGiven`. */
function url(protocols: string[], keepAsGiven = false) {
  return z.string().transform((raw, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(ctx, raw, `is not a valid URL: "${raw}"`);
    }
    if (!protocols.includes(parsed.protocol))
      return fail(ctx, raw, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    return keepAsGiven ? raw.trim() : raw.replace(/\/+$/, '');
  });
}

/** A comma-separated list, entries trimmed, empty entries dropped. */
const list = () =>
  z.string().transform((raw) =>
    raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

/** Origins as browsers send them (`scheme://host[:port]`, no path), or `*`. */
const origin = z.string().transform((entry, ctx) => {
  if (entry === '*') return entry;
  let parsed: URL;
  try {
    parsed = new URL(entry);
  } catch {
    return fail(ctx, entry, `"${entry}" is not an origin like https://app.example.com`);
  }
  if (parsed.origin === 'null' || parsed.origin !== entry.replace(/\/$/, '').toLowerCase())
    return fail(ctx, entry, `"${entry}" is not an origin like https://app.example.com (no path)`);
  return parsed.origin;
});

/** Absolute folders, resolved through symbolic links, so that a root cannot be a link elsewhere. */
const realFolder = z.string().transform((folder, ctx) => {
  if (!path.isAbsolute(folder)) return fail(ctx, folder, `"${folder}" is not an absolute path`);
  try {
    return fs.realpathSync(folder);
  } catch {
    return fail(ctx, folder, `"${folder}" does not exist`);
  }
});

const elasticsearchNode = z.string().transform((raw, ctx) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return fail(ctx, raw, `is not a valid URL: "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return fail(ctx, raw, `must use http: or https:, got "${parsed.protocol}" in "${raw}"`);
  return raw.replace(/\/+$/, '');
});

/** `key:role`, `key:role:collection|collection` or `key:role:collections:group|group` (collections `*` = all). */
const apiKey = z.string().transform((entry, ctx): ApiKeyConfig => {
  const [key, role, collections, groupList, ...rest] = entry.split(':');
  if (!key || !role || rest.length > 0)
    return fail(
      ctx,
      entry,
      `each entry must be key:role, key:role:collection|collection or key:role:collections:group|group (collections * = all), got "${entry}"`,
    );
  if (!ROLES.includes(role as Role))
    return fail(ctx, entry, `role must be one of ${ROLES.join(', ')}, got "${role}"`);
  if (key.length < 8) return fail(ctx, entry, `key for role ${role} is shorter than 8 characters`);
  const groups = groupList?.split('|').filter(Boolean);
  if (groups && !groups.length)
    return fail(ctx, entry, `key for role ${role} has an empty group list after ":"`);
  const allowed = collections === '*' ? undefined : collections?.split('|').filter(Boolean);
  // An empty list would read as "no scope": refuse it instead of opening every collection.
  if (allowed && !allowed.length)
    return fail(ctx, entry, `key for role ${role} has an empty collection list after ":"`);
  return {
    key,
    role: role as Role,
    ...(allowed?.length ? { collections: allowed } : {}),
    ...(groups ? { groups: [...new Set(groups)] } : {}),
  };
});

type PerIndex = { value?: number | 'auto'; perKind: Partial<Record<LayoutIndexKind, number | 'auto'>> };

/** `3` (every index) or `3,vectors=6,meta=1`; replicas also take `auto` (0-1). */
function perIndex(min: number, allowAuto: boolean) {
  return list().transform((entries, ctx): PerIndex => {
    const result: PerIndex = { perKind: {} };
    for (const entry of entries) {
      const [kind, raw] = entry.includes('=') ? entry.split('=', 2).map((s) => s.trim()) : [undefined, entry];
      let value: number | 'auto';
      if (allowAuto && raw.toLowerCase() === 'auto') value = 'auto';
      else if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= 1024) value = Number(raw);
      else return fail(ctx, entry, `must be a whole number ${min}-1024, got "${raw}"`);
      if (kind === undefined) result.value = value;
      else if ((LAYOUT_INDEX_KINDS as readonly string[]).includes(kind))
        result.perKind[kind as LayoutIndexKind] = value;
      else return fail(ctx, entry, `"${kind}" is not an index (one of ${LAYOUT_INDEX_KINDS.join(', ')})`);
    }
    return result;
  });
}

/** Order matters only for which of several bad values is reported first. */
export const envSchema = z.object({
  QUARRY_API_KEYS: z
    .string()
    .transform((raw) => raw.split(',').map((entry) => entry.trim()))
    .pipe(z.array(apiKey))
    .default([])
    .describe('API keys, `key:role[:collections[:groups]]`, comma-separated; roles reader, writer, admin'),
  QUARRY_JWT_SECRET: z
    .string()
    .min(32, { error: 'must be at least 32 characters' })
    .optional()
    .describe('HS256 secret of accepted JWTs (at least 32 characters); not with QUARRY_JWT_PUBLIC_KEY'),
  QUARRY_JWT_PUBLIC_KEY: z
    .string()
    .transform((raw) => raw.replace(/\\n/g, '\n'))
    .refine((pem) => pem.includes('BEGIN PUBLIC KEY'), { error: 'must be a PEM public key' })
    .optional()
    .describe('RS256 public key (PEM, `\\n` for newlines) of accepted JWTs; not with QUARRY_JWT_SECRET'),
  QUARRY_JWT_ISSUER: z.string().optional().describe('Required `iss` of JWTs'),
  QUARRY_JWT_AUDIENCE: z.string().optional().describe('Required `aud` of JWTs'),
  QUARRY_JWT_ALLOW_NO_EXP: bool().default(false).describe('Accept JWTs without `exp` (they never expire)'),
  PORT: port().default(3000).describe('HTTP port'),
  HOST: z
    .string()
    .default('127.0.0.1')
    .describe('Bind address; a non-loopback one needs QUARRY_API_KEYS, a JWT key or QUARRY_OAUTH_ISSUER'),
  QUARRY_PUBLIC_URL: url(['https:', 'http:'])
    .optional()
    .describe('The URL clients use (default `http://HOST:PORT`); the MCP resource is this + /mcp'),
  QUARRY_OAUTH_ISSUER: url(['https:', 'http:'], true)
    .optional()
    .describe('OAuth 2.1 / OpenID issuer whose access tokens are accepted (https, or http on loopback)'),
  QUARRY_OAUTH_ALLOW_HTTP: bool()
    .default(false)
    .describe('Allow a plain-http issuer or metadata URL on a private network'),
  QUARRY_OAUTH_METADATA_URL: url(['https:', 'http:'])
    .optional()
    .describe("Where to fetch the issuer's metadata when Quarry reaches it by another name"),
  QUARRY_OAUTH_CLIENT_ID: z.string().optional().describe('Client id for token introspection (RFC 7662)'),
  QUARRY_OAUTH_CLIENT_SECRET: z.string().optional().describe('Client secret for token introspection'),
  QUARRY_OAUTH_GROUPS_CLAIM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_:/.-]{1,200}$/, {
      error: (issue) => `is not a claim name, got "${String(issue.input)}"`,
    })
    .default('groups')
    .describe("The claim holding the user's groups (a dotted path reaches into objects)"),
  QUARRY_OAUTH_AUDIENCE: list()
    .optional()
    .describe('Accepted `aud` values, comma-separated (default: the MCP resource)'),
  QUARRY_OAUTH_CONSOLE_CLIENT_ID: z
    .string()
    .optional()
    .describe('Public client the web console signs users in with'),
  QUARRY_OAUTH_JWKS_COOLDOWN_SECONDS: unlimitedOrCount()
    .default(30)
    .describe('Seconds between two JWKS fetches prompted by an unknown `kid`'),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, {
      error: (issue) => `must be one of ${LOG_LEVELS.join(', ')}, got "${String(issue.input)}"`,
    })
    .default('info')
    .describe('Log level'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'], { error: (issue) => `must be json or pretty, got "${String(issue.input)}"` })
    .optional()
    .describe(
      "`pretty`: one short line per request; `json`: pino's JSON lines (default: pretty on a terminal, else json)",
    ),
  QUARRY_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,40}$/, {
      error: (issue) => `must be lowercase letters, digits, - or _, got "${String(issue.input)}"`,
    })
    .default('quarry')
    .describe('Prefix of every index and alias name'),
  QUARRY_ES_HEAP: z
    .string()
    .regex(/^\d+[mg]$/i, { error: (issue) => `must look like 512m or 1g, got "${String(issue.input)}"` })
    .default('1g')
    .describe('JVM heap of the embedded Elasticsearch node'),
  REDIS_URL: url(['redis:', 'rediss:'])
    .optional()
    .describe('Redis to use (default: Quarry starts its own at redis://127.0.0.1:6379)'),
  ELASTICSEARCH_URL: list()
    .pipe(z.array(elasticsearchNode))
    .default([])
    .describe('Cluster node URLs, comma-separated (default: Quarry starts its own node)'),
  ELASTIC_CLOUD_ID: z
    .string()
    .trim()
    .refine((id) => !id || decodeCloudId(id) !== undefined, {
      error: 'is not a cloud id like "name:base64(host$es-id$kibana-id)"',
    })
    .optional()
    .describe('Elastic Cloud deployment id; not with ELASTICSEARCH_URL'),
  ELASTICSEARCH_API_KEY: z.string().optional().describe('API key for the cluster'),
  ELASTICSEARCH_USERNAME: z.string().optional().describe('Basic-auth user for the cluster'),
  ELASTICSEARCH_PASSWORD: z.string().optional().describe('Basic-auth password for the cluster'),
  ELASTICSEARCH_CA_CERT: z
    .string()
    .transform((file, ctx) => {
      let pem: string;
      try {
        pem = fs.readFileSync(file, 'utf8');
      } catch {
        return fail(ctx, file, `cannot read "${file}"`);
      }
      return pem.includes('BEGIN CERTIFICATE') ? pem : fail(ctx, file, `"${file}" is not a PEM certificate`);
    })
    .optional()
    .describe("File of the CA (PEM) that signed the cluster's certificate"),
  QUARRY_ES_SNIFF: bool()
    .optional()
    .describe('Ask the cluster for its nodes (default: when several URLs are listed and no cloud id)'),
  QUARRY_ES_PORT: port().default(9201).describe('Port of the embedded Elasticsearch node'),
  QUARRY_RATE_LIMIT_READ: unlimitedOrCount()
    .default(1200)
    .describe('Reads per minute per principal (0 = unlimited)'),
  QUARRY_RATE_LIMIT_WRITE: unlimitedOrCount()
    .default(300)
    .describe('Writes per minute per principal (0 = unlimited)'),
  QUARRY_CORS_ORIGINS: list().default([]).describe('Origins allowed by CORS, comma-separated; `*` = any'),
  QUARRY_ALLOWED_HOSTS: list()
    .transform((hosts) => hosts.map((host) => host.toLowerCase()))
    .default([])
    .describe('Host names a request may be addressed to besides loopback (DNS rebinding guard); `*` = any'),
  QUARRY_ALLOWED_ORIGINS: list()
    .pipe(z.array(origin))
    .default([])
    .describe('Browser origins allowed besides loopback and the CORS origins; `*` = any'),
  QUARRY_MCP_SESSION_IDLE_SECONDS: positive()
    .default(1800)
    .describe('Idle seconds after which a Streamable HTTP MCP session expires'),
  QUARRY_MAX_SESSIONS_PER_PRINCIPAL: positive()
    .default(256)
    .describe('Open MCP sessions and GraphQL sockets per principal'),
  QUARRY_QUERY_CACHE_TTL: unlimitedOrCount()
    .default(300)
    .describe('Seconds a search result stays in the query cache (0 = no cache)'),
  QUARRY_EMBEDDER: z
    .enum(['local', 'openai'], {
      error: (issue) => `must be "local" or "openai", got "${String(issue.input)}"`,
    })
    .default('local')
    .describe('`local` (ONNX model in process) or `openai` (an OpenAI-compatible embeddings API)'),
  QUARRY_EMBEDDER_MODEL: z
    .string()
    .trim()
    .optional()
    .describe('Local: a catalog model id or a model directory (default e5-small-v2); openai: required'),
  QUARRY_EMBEDDER_URL: url(['http:', 'https:']).optional().describe('Embeddings API URL (openai)'),
  QUARRY_EMBEDDER_API_KEY: z.string().optional().describe('Embeddings API key (openai)'),
  QUARRY_EMBEDDER_DIMS: positive().optional().describe('Vector dimensions to ask the embeddings API for'),
  QUARRY_DATA_DIR: z
    .string()
    .optional()
    .describe('Where embedded services keep data, pid files and logs (default `.quarry` in the repository)'),
  QUARRY_REQUEST_TIMEOUT_MS: positive()
    .default(10000)
    .describe('Upper bound of one request to Elasticsearch or Redis'),
  QUARRY_FETCH_ALLOW: list()
    .transform((entries) => entries.map((entry) => entry.toLowerCase()))
    .default([])
    .describe('Private hosts, addresses and CIDR ranges fetches made for users may reach'),
  QUARRY_SOURCE_ROOTS: list()
    .pipe(z.array(realFolder))
    .default([])
    .describe('Absolute folders under which directory sources may lie (default: any but system folders)'),
  QUARRY_ANSWER_TOKENS: positive()
    .default(3000)
    .describe('Tokens of document text `answer_with_citations` hands the model at most'),
  QUARRY_INDEX_SHARDS: perIndex(1, false)
    .default({ perKind: {} })
    .describe('Shards of new indices: `3` or `3,vectors=6` (default 1)'),
  QUARRY_INDEX_REPLICAS: perIndex(0, true)
    .default({ perKind: {} })
    .describe('Replicas of new indices: `1`, `auto` or `1,vectors=2` (default auto: 0-1)'),
});

export type EnvVariables = z.output<typeof envSchema>;
