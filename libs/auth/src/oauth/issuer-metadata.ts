import { UnavailableError } from '@quarry/core';

/** The part of an authorization server's metadata (RFC 8414 / OpenID Discovery) a resource server uses. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Where an issuer publishes its metadata, in the order tried: RFC 8414 inserts the well-known
 * segment before the issuer's path; OpenID Discovery appends it (Keycloak, Entra ID, Okta, Auth0).
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
    ...(path ? [`${origin}/.well-known/openid-configuration${path}`] : []),
  ];
}

/** How long a failed discovery is remembered: requests meanwhile fail at once, sparing the issuer. */
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Fetches the issuer's metadata once and keeps it; a failed discovery is remembered for a few
 * seconds only (tokens arriving meanwhile are answered "unavailable" without asking the issuer
 * again, so a flood of tokens is not turned into a flood of requests). The document must name the configured issuer exactly (RFC 8414 section
 * 3.3): otherwise a metadata document could redirect trust to another issuer's keys.
 */
export class IssuerDiscovery {
  private pending?: Promise<IssuerMetadata>;

  constructor(
    readonly issuer: string,
    private readonly fetchImpl: FetchLike = fetch,
    private readonly timeoutMs = 10_000,
    /** Fetch the metadata from here instead (QUARRY_OAUTH_METADATA_URL). */
    private readonly metadataUrl?: string,
  ) {}

  metadata(): Promise<IssuerMetadata> {
    if (!this.pending) {
      const attempt = this.discover();
      this.pending = attempt;
      attempt.catch(() => {
        setTimeout(() => {
          if (this.pending === attempt) this.pending = undefined;
        }, RETRY_AFTER_FAILURE_MS).unref();
      });
    }
    return this.pending;
  }

  private async discover(): Promise<IssuerMetadata> {
    const reasons: string[] = [];
    for (const url of this.metadataUrl ? [this.metadataUrl] : metadataUrls(this.issuer)) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          headers: { accept: 'application/json' },
          redirect: 'error',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        reasons.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      if (!response.ok) {
        reasons.push(`${url}: HTTP ${response.status}`);
        continue;
      }
      const body = (await response.json().catch(() => undefined)) as Partial<IssuerMetadata> | undefined;
      if (!body || typeof body !== 'object' || body.issuer !== this.issuer) {
        reasons.push(`${url}: the document names issuer ${JSON.stringify(body?.issuer)}, not ${this.issuer}`);
        continue;
      }
      return body as IssuerMetadata;
    }
    throw new UnavailableError('the OAuth issuer', `metadata discovery failed: ${reasons.join('; ')}`);
  }
}
