import type { IncomingHttpHeaders } from 'node:http';

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

export interface OriginPolicyOptions {
  /** Extra Host names (or host:port) a request may address; `*` = any. */
  allowedHosts: string[];
  /** Extra browser origins (CORS origins included); `*` = any. */
  allowedOrigins: string[];
  /**
   * Whether the Host header is checked. Always on a loopback bind, where a rebinding page would
   * otherwise act as the local admin; on a keyed network bind only when hosts are listed.
   */
  checkHost: boolean;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const LOOPBACK_BINDS = new Set(['localhost', '127.0.0.1', '::1']);

function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** `Evil.Example:3000` → `evil.example`; `[::1]:3000` → `[::1]`. */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.split(':')[0];
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The one Host/Origin policy of every HTTP route and WebSocket upgrade. A hostile web page can
 * reach a loopback Quarry two ways: from its own origin (cross-site requests and WebSockets,
 * which browsers send with that page's Origin) and by DNS rebinding (its own host name resolving
 * to 127.0.0.1, which browsers send as Host). Loopback names pass; anything else must be listed.
 */
export class OriginPolicy {
  constructor(private readonly options: OriginPolicyOptions) {}

  static forBind(
    bindHost: string,
    config: { allowedHosts: string[]; allowedOrigins: string[]; corsOrigins: string[] },
  ): OriginPolicy {
    return new OriginPolicy({
      allowedHosts: config.allowedHosts,
      allowedOrigins: [...config.allowedOrigins, ...config.corsOrigins],
      checkHost: LOOPBACK_BINDS.has(bindHost) || config.allowedHosts.length > 0,
    });
  }

  check(headers: IncomingHttpHeaders): OriginVerdict {
    const host = single(headers.host);
    if (this.options.checkHost) {
      if (!host) return { allowed: false, reason: 'a Host header is required' };
      if (!this.hostAllowed(host))
        return {
          allowed: false,
          reason: `Host "${host}" is not allowed (DNS rebinding protection); list it in QUARRY_ALLOWED_HOSTS to serve it`,
        };
    }
    const origin = single(headers.origin);
    if (origin !== undefined && !this.originAllowed(origin, host))
      return {
        allowed: false,
        reason: `Origin "${origin}" is not allowed; list it in QUARRY_ALLOWED_ORIGINS to serve it`,
      };
    return { allowed: true };
  }

  private hostAllowed(host: string): boolean {
    const { allowedHosts } = this.options;
    const hostname = hostnameOf(host);
    return (
      isLoopbackName(hostname) ||
      allowedHosts.includes('*') ||
      allowedHosts.includes(hostname) ||
      allowedHosts.includes(host.trim().toLowerCase())
    );
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    const { allowedOrigins } = this.options;
    if (allowedOrigins.includes('*')) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    // Opaque origins ("null": sandboxed frames, file:// pages) can be anyone.
    if (parsed.origin === 'null') return false;
    if (allowedOrigins.includes(parsed.origin)) return true;
    if (isLoopbackName(parsed.hostname.toLowerCase())) return true;
    // Same origin: the page was served by the host it addresses, which passed the Host check.
    return host !== undefined && parsed.host === host.trim().toLowerCase();
  }
}
