import * as dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { ConfigError, type QuarryConfig } from '@quarry/config';
import {
  admitsAddress,
  admitsHostName,
  classifyAddress,
  embeddedIPv4,
  parseAllowEntry,
  unbracket,
  type AllowEntry,
} from './address';
import { EgressRefusedError, ResponseTooLargeError } from './egress.errors';

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

/** Resolves a host name to every address it has (the policy checks them all). */
export type Resolver = (hostname: string) => Promise<dns.LookupAddress[]>;

export interface EgressOptions {
  /** QUARRY_FETCH_ALLOW: host names, host:port, addresses and CIDR ranges that may be reached although not public. */
  allow?: string[];
  /** URLs of Quarry's own services (Elasticsearch nodes, Redis): refused unless their exact host:port is allowed. */
  internal?: { name: string; url: string }[];
  /** DNS; tests give their own to play a rebinding resolver. */
  resolve?: Resolver;
  /** Largest body read, in bytes. Default 50 MiB. */
  maxBytes?: number;
  /** Most redirects followed for one request. Default 5. */
  maxRedirects?: number;
  /** Limit for establishing one connection. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Largest body read, in bytes; default the policy's. */
  maxBytes?: number;
  /** `same-origin`: a redirect to another origin fails the request (a crawler stays on its site). */
  redirects?: 'follow' | 'same-origin';
}

export interface EgressResponse {
  status: number;
  statusText: string;
  /** The URL answered, after redirects. */
  url: string;
  headers: Headers;
  body: Buffer;
}

interface InternalEndpoint {
  name: string;
  host: string;
  port: number;
  /** On this machine: any loopback address (and `localhost`) at this port reaches it. */
  local: boolean;
  /** What its host name resolves to (refreshed every OWN_ADDRESSES_TTL_MS): the service by address is still the service. */
  addresses: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** What still goes along when a redirect leaves the origin: nothing that could be a credential. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'user-agent']);
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'redis:': 6379, 'rediss:': 6379 };
/** Connectors kept (one per host:port, each checks the addresses of its host); beyond this they are rebuilt. */
const MAX_CONNECTORS = 256;
const OWN_ADDRESSES_TTL_MS = 60_000;

const portOf = (url: URL): number => Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
const isLocalHost = (host: string): boolean =>
  host === 'localhost' || (isIP(host) !== 0 && ['loopback', 'unspecified'].includes(classifyAddress(host)));

/** One spelling per address: `::ffff:10.0.0.1` is 10.0.0.1. */
const canonical = (address: string): string => {
  const plain = unbracket(address).toLowerCase();
  return embeddedIPv4(plain) ?? plain;
};

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Where a fetch made on a user's behalf may go (sources, the crawler, sitemaps, an OpenAI-compatible
 * embedder). Only the public internet, unless the operator allow-lists more (QUARRY_FETCH_ALLOW);
 * Quarry's own Elasticsearch and Redis only when their exact host:port is allow-listed. Every address
 * a name resolves to is checked in the connection's own DNS lookup, so a name cannot resolve to a
 * public address for a check and to a private one for the connection (DNS rebinding). Redirects are
 * followed here, one hop at a time, each hop checked again; a hop to another origin carries no
 * credential or custom header. Bodies are counted while they stream and cut at the limit.
 */
export class EgressPolicy {
  readonly maxBytes: number;
  readonly maxRedirects: number;
  private readonly allow: AllowEntry[];
  private readonly internal: InternalEndpoint[];
  private readonly resolve: Resolver;
  private readonly connectTimeoutMs: number;
  private readonly connectors = new Map<string, buildConnector.connector>();
  private readonly agent: Agent;
  private ownAddresses?: { at: number; done: Promise<void> };

  constructor(private readonly options: EgressOptions = {}) {
    this.allow = (options.allow ?? []).map(parseAllowEntry);
    this.internal = (options.internal ?? []).map(({ name, url }) => {
      const parsed = new URL(url);
      const host = unbracket(parsed.hostname).toLowerCase();
      return { name, host, port: portOf(parsed), local: isLocalHost(host), addresses: [] };
    });
    this.resolve = options.resolve ?? systemResolver;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.agent = new Agent({ connect: (target, callback) => this.connect(target, callback) });
  }

  /** The policy of this configuration: QUARRY_FETCH_ALLOW, with Quarry's Elasticsearch nodes and Redis as its own. */
  static fromConfig(
    config: Pick<QuarryConfig, 'fetchAllow' | 'elasticsearchUrl' | 'embeddedElasticsearchPort' | 'redisUrl'>,
    options: Omit<EgressOptions, 'allow' | 'internal'> = {},
  ): EgressPolicy {
    const elasticsearch = (config.elasticsearchUrl ?? `http://127.0.0.1:${config.embeddedElasticsearchPort}`)
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean);
    try {
      return new EgressPolicy({
        ...options,
        allow: config.fetchAllow,
        internal: [
          ...elasticsearch.map((url) => ({ name: 'Elasticsearch', url })),
          { name: 'Redis', url: config.redisUrl },
        ],
      });
    } catch (error) {
      throw new ConfigError('QUARRY_FETCH_ALLOW', (error as Error).message);
    }
  }

  /**
   * This policy, also admitting the origin of a URL the operator configured (the embedder's): its
   * host:port is allowed as if listed in QUARRY_FETCH_ALLOW; a redirect elsewhere is checked as usual.
   */
  trusting(url: string): EgressPolicy {
    const parsed = new URL(url);
    return new EgressPolicy({
      ...this.options,
      allow: [...(this.options.allow ?? []), `${parsed.hostname}:${portOf(parsed)}`],
    });
  }

  /**
   * Why a connection to `host`:`port`, which resolved to `addresses`, is refused; undefined when it
   * is not. `host` is what the URL names (a host name or an address).
   */
  refusal(host: string, port: number, addresses: string[]): string | undefined {
    const name = unbracket(host).toLowerCase().replace(/\.$/, '');
    const named = isIP(name) === 0;
    const listedExactly = (target: string) =>
      this.allow.some(
        (entry) =>
          entry.port === port &&
          (isIP(target) ? admitsAddress(entry, target, port) : admitsHostName(entry, target, port)),
      );
    for (const target of named ? [name, ...addresses] : addresses) {
      const own = this.internal.find(
        (endpoint) =>
          endpoint.port === port &&
          (endpoint.host === unbracket(target).toLowerCase() ||
            (endpoint.local && isLocalHost(target)) ||
            (isIP(unbracket(target)) !== 0 && endpoint.addresses.includes(canonical(target)))),
      );
      if (own && !listedExactly(name) && !listedExactly(target))
        return `${target}:${port} is Quarry's own ${own.name} (only an entry of exactly ${own.host}:${own.port} in QUARRY_FETCH_ALLOW admits it)`;
    }
    if (named && this.allow.some((entry) => admitsHostName(entry, name, port))) return undefined;
    for (const address of addresses) {
      const kind = classifyAddress(address);
      if (kind === 'public') continue;
      if (this.allow.some((entry) => admitsAddress(entry, address, port))) continue;
      const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
      return `${address} is ${article} ${kind} address (allow it with QUARRY_FETCH_ALLOW)`;
    }
    return undefined;
  }

  /**
   * Why the policy would refuse to fetch `url` now (its scheme, or what its host resolves to);
   * undefined when it would not, or when the name does not resolve (the fetch will say so). For an
   * early answer, when a source is defined: the fetch checks again at connection time.
   */
  async vet(url: string): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `${url} is not a URL`;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return `${parsed.protocol} URLs are not fetched (${parsed.href})`;
    const host = unbracket(parsed.hostname);
    await this.knowOwnAddresses();
    if (isIP(host)) return this.refusal(host, portOf(parsed), [host]);
    const found = await this.resolve(host).catch(() => undefined);
    return this.refusal(
      host,
      portOf(parsed),
      (found ?? []).map((a) => a.address),
    );
  }

  /**
   * One request, following up to `maxRedirects` redirects by hand. Fails with EgressRefusedError when
   * a hop is refused and ResponseTooLargeError when the body passes `maxBytes`; any status is answered.
   */
  async fetch(url: string | URL, request: EgressRequest = {}): Promise<EgressResponse> {
    const maxBytes = request.maxBytes ?? this.maxBytes;
    let current = new URL(url);
    let method = (request.method ?? 'GET').toUpperCase();
    let body = request.body;
    let headers = headerRecord(request.headers);
    for (let hop = 0; ; hop++) {
      this.checkUrl(current);
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(current, {
          method,
          headers,
          body,
          signal: request.signal,
          redirect: 'manual',
          dispatcher: this.agent,
        });
      } catch (error) {
        throw policyCause(error) ?? error;
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location) {
        return {
          status: response.status,
          statusText: response.statusText,
          url: current.href,
          headers: new Headers([...response.headers]),
          body: await readLimited(response, current.href, maxBytes),
        };
      }
      await response.body?.cancel().catch(() => undefined);
      if (hop >= this.maxRedirects)
        throw new EgressRefusedError(current.href, `more than ${this.maxRedirects} redirects from ${url}`);
      const next = new URL(location, current);
      if (next.origin !== current.origin) {
        if (request.redirects === 'same-origin')
          throw new EgressRefusedError(next.href, `${current.href} redirects off its site to ${next.href}`);
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name.toLowerCase())),
        );
      }
      if (response.status === 303 || ([301, 302].includes(response.status) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
      }
      current = next;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** What can be told from the URL alone: the scheme, and an address literal. */
  private checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new EgressRefusedError(url.href, `${url.protocol} URLs are not fetched (${url.href})`);
    const host = unbracket(url.hostname);
    const reason = isIP(host) ? this.refusal(host, portOf(url), [host]) : undefined;
    if (reason) throw new EgressRefusedError(url.href, reason);
  }

  /**
   * The addresses of Quarry's own services that are named (`http://elasticsearch:9200` in a compose
   * file), so that reaching one by its address is refused as well; looked up again after a minute.
   */
  private knowOwnAddresses(): Promise<void> {
    if (this.ownAddresses && Date.now() - this.ownAddresses.at < OWN_ADDRESSES_TTL_MS)
      return this.ownAddresses.done;
    const named = this.internal.filter((endpoint) => !endpoint.local && isIP(endpoint.host) === 0);
    const done = Promise.all(
      named.map(async (endpoint) => {
        const found = await this.resolve(endpoint.host).catch(() => undefined);
        if (found) endpoint.addresses = found.map((a) => canonical(a.address));
      }),
    ).then(() => undefined);
    this.ownAddresses = { at: Date.now(), done };
    return done;
  }

  /** undici's connector, with a DNS lookup that refuses what the policy refuses, for each host:port. */
  private connect(target: buildConnector.Options, callback: buildConnector.Callback): void {
    this.knowOwnAddresses().then(
      () => this.connectChecked(target, callback),
      (error: Error) => callback(error, null),
    );
  }

  private connectChecked(target: buildConnector.Options, callback: buildConnector.Callback): void {
    const host = unbracket(target.hostname).toLowerCase();
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    if (isIP(host)) {
      const reason = this.refusal(host, port, [host]);
      if (reason) return callback(new EgressRefusedError(`${target.protocol}//${target.host}`, reason), null);
    }
    const key = `${target.protocol}//${host}:${port}`;
    let connector = this.connectors.get(key);
    if (!connector) {
      if (this.connectors.size >= MAX_CONNECTORS) this.connectors.clear();
      connector = buildConnector({ timeout: this.connectTimeoutMs, lookup: this.lookupFor(host, port, key) });
      this.connectors.set(key, connector);
    }
    connector(target, callback);
  }

  /** net's `lookup`, answering only with addresses the policy admits for this host:port. */
  private lookupFor(host: string, port: number, origin: string): LookupFunction {
    return (hostname, options, callback) => {
      Promise.all([this.resolve(hostname), this.knowOwnAddresses()]).then(
        ([found]) => {
          const family = options.family === 4 || options.family === 6 ? options.family : undefined;
          const addresses = family ? found.filter((a) => a.family === family) : found;
          const reason = this.refusal(
            host,
            port,
            found.map((a) => a.address),
          );
          if (reason) return callback(new EgressRefusedError(origin, reason), '', 0);
          if (addresses.length === 0) {
            const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
            error.code = 'ENOTFOUND';
            return callback(error, '', 0);
          }
          if (options.all) return (callback as unknown as AllCallback)(null, addresses);
          callback(null, addresses[0].address, addresses[0].family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
  }
}

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void;

function headerRecord(headers: EgressRequest['headers']): Record<string, string> {
  if (!headers) return {};
  // Duck-typed: Headers of another realm (the openai SDK's, under jest) fail instanceof.
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    const record: Record<string, string> = {};
    (headers as Headers).forEach((value, name) => (record[name] = value));
    return record;
  }
  return { ...(headers as Record<string, string>) };
}

/** undici reports a connector's error as the cause of its "fetch failed". */
function policyCause(error: unknown): EgressRefusedError | undefined {
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause)
    if (cause instanceof EgressRefusedError) return cause;
  return undefined;
}

/** The body, counted while it streams: past `maxBytes` the download stops and nothing more is read. */
async function readLimited(
  response: Awaited<ReturnType<typeof undiciFetch>>,
  url: string,
  maxBytes: number,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(url, maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(url, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
