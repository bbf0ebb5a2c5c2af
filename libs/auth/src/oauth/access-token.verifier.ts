import { createHash } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import {
  OAuthError,
  OAuthErrorCode,
  type AuthInfo,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import type { OAuthConfig } from '@quarry/config';
import { QuarryError, UnavailableError } from '@quarry/core';
import { IssuerDiscovery, type FetchLike } from './issuer-metadata';

/**
 * Signature algorithms accepted for access tokens: asymmetric only. A symmetric (HS*) token
 * would be verified with a key the issuer publishes, so anyone could sign one (RS/HS confusion);
 * `none` is never accepted.
 */
export const ACCESS_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const invalid = (description: string) => new OAuthError(OAuthErrorCode.InvalidToken, description);

/** Scopes as providers write them: `scope` (RFC 9068, space-separated) or `scp` (Entra ID, Okta: string or list). */
export function scopesOf(claims: Record<string, unknown>): string[] {
  const raw = claims.scope ?? claims.scp;
  if (raw === undefined) return [];
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw as string[];
  throw invalid("the token's scope claim must be a space-separated string or a list of strings");
}

/** How long an introspection answer is trusted before the issuer is asked again. */
const INTROSPECTION_CACHE_MS = 30_000;
const INTROSPECTION_CACHE_ENTRIES = 10_000;

/**
 * Verifies access tokens of the configured issuer, as an OAuth 2.1 resource server: JWTs locally
 * against the issuer's JWKS (discovered from its metadata, cached, fetched again when a token names
 * an unknown `kid`, so key rotation needs no restart), checking signature algorithm, issuer,
 * audience (this resource, RFC 8707), expiry and not-before; opaque tokens by introspection
 * (RFC 7662) when client credentials are configured. The token itself goes nowhere else.
 */
export class AccessTokenVerifier implements OAuthTokenVerifier {
  readonly discovery: IssuerDiscovery;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly introspected = new Map<string, { info: AuthInfo; until: number }>();

  constructor(
    private readonly config: OAuthConfig,
    private readonly fetchImpl: FetchLike = fetch,
  ) {
    this.discovery = new IssuerDiscovery(config.issuer, fetchImpl, 10_000, config.metadataUrl);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    if (token.split('.').length === 3) return this.verifyJwt(token);
    if (this.config.introspection) return this.introspect(token);
    throw invalid('the token is not a JWT access token of the configured issuer');
  }

  private async keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return this.jwks;
    const metadata = await this.discovery.metadata();
    if (!metadata.jwks_uri)
      throw new UnavailableError('the OAuth issuer', 'its metadata has no jwks_uri to verify tokens with');
    this.jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri), {
      cooldownDuration: this.config.jwksCooldownSeconds * 1000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 10_000,
    });
    return this.jwks;
  }

  private async verifyJwt(token: string): Promise<AuthInfo> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalid('the token is not a well-formed JWT');
    }
    if (typeof alg !== 'string' || !ACCESS_TOKEN_ALGORITHMS.includes(alg))
      throw invalid(`the token's signature algorithm ${JSON.stringify(alg)} is not accepted`);
    const keys = await this.keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audiences,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      }));
    } catch (error) {
      throw this.refusal(error);
    }
    return this.authInfo(token, payload as Record<string, unknown>);
  }

  private refusal(error: unknown): Error {
    if (error instanceof QuarryError || error instanceof OAuthError) return error;
    if (error instanceof joseErrors.JWTExpired) return invalid('the token has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed)
      return invalid(`the token's ${error.claim} claim is not accepted`);
    if (error instanceof joseErrors.JWKSNoMatchingKey)
      return invalid('the token is not signed with a key of the configured issuer');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      return invalid('the token signature is not valid');
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid)
      return new UnavailableError('the OAuth issuer', `JWKS: ${(error as Error).message}`);
    if (error instanceof joseErrors.JOSEError) return invalid('the token is not valid');
    // The JWKS could not be fetched (connection refused, bad status).
    return new UnavailableError('the OAuth issuer', `JWKS: ${(error as Error).message}`);
  }

  private authInfo(token: string, claims: Record<string, unknown>): AuthInfo {
    if (typeof claims.exp !== 'number') throw invalid('the token has no exp claim');
    const clientId = claims.client_id ?? claims.azp ?? claims.cid ?? claims.appid;
    return {
      token,
      clientId: typeof clientId === 'string' ? clientId : '',
      scopes: scopesOf(claims),
      expiresAt: claims.exp,
      // The audience was checked against the accepted ones: the token is for this resource.
      resource: new URL(this.config.resource),
      extra: { claims },
    };
  }

  /** RFC 7662: the issuer says whether an opaque token is active and what it grants. */
  private async introspect(token: string): Promise<AuthInfo> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.introspected.get(key);
    if (cached && cached.until > Date.now()) return cached.info;
    const metadata = await this.discovery.metadata();
    if (!metadata.introspection_endpoint)
      throw invalid('the token is not a JWT and the issuer offers no introspection endpoint');
    const { clientId, clientSecret } = this.config.introspection!;
    let response: Response;
    try {
      response = await this.fetchImpl(metadata.introspection_endpoint, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(
            `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
          ).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
    } catch (error) {
      throw new UnavailableError('the OAuth issuer', `introspection: ${(error as Error).message}`);
    }
    if (!response.ok)
      throw new UnavailableError('the OAuth issuer', `introspection answered HTTP ${response.status}`);
    const claims = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (claims.active !== true) throw invalid('the token is not active');
    if (claims.iss !== undefined && claims.iss !== this.config.issuer)
      throw invalid("the token's iss claim is not accepted");
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => typeof aud === 'string' && this.config.audiences.includes(aud)))
      throw invalid("the token's aud claim is not accepted");
    if (typeof claims.nbf === 'number' && claims.nbf > Date.now() / 1000 + 30)
      throw invalid("the token's nbf claim is not accepted");
    // A client credentials token may have no subject (RFC 7662 makes sub optional): the client is the caller.
    if (typeof claims.sub !== 'string' && typeof claims.client_id !== 'string')
      throw invalid('the token has neither a sub nor a client_id claim');
    const info = this.authInfo(token, claims);
    if (this.introspected.size >= INTROSPECTION_CACHE_ENTRIES) this.introspected.clear();
    this.introspected.set(key, {
      info,
      until: Math.min(Date.now() + INTROSPECTION_CACHE_MS, (info.expiresAt ?? 0) * 1000),
    });
    return info;
  }
}
