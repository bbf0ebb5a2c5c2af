import { createHash, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { ApiKeyConfig, JwtConfig, Role } from '@quarry/config';
import { ROLES, UnauthenticatedError, type Principal } from '@quarry/core';
import { COLLECTION_PATTERN, LIMITS } from '@quarry/search';
import { presentedKey, resolvePrincipal, type Credentials } from './principal';
import { bearerChallenge, challengeOf, withChallenge } from './oauth/challenge';
import type { OAuthResourceServer } from './oauth/resource-server';

/** An API key created through the API: only its hash is stored. */
export interface StoredApiKey {
  id: string;
  hash: string;
  role: Role;
  collections?: string[];
  groups?: string[];
  created_at: string;
}

/** Where created keys live (the metadata index) and how revocations reach every instance at once. */
export interface ApiKeyStore {
  list(): Promise<StoredApiKey[]>;
  /** True when the key hash was revoked (checked on every request, so a revocation holds everywhere immediately). */
  isRevoked(hash: string): Promise<boolean>;
}

/** A collection name as documents carry it. */
const isCollectionName = (c: unknown) =>
  typeof c === 'string' && c.length <= LIMITS.collectionLength && COLLECTION_PATTERN.test(c);

/**
 * A scope list as credentials carry it, or a refusal: an empty list or a malformed name would
 * otherwise read as "no scope" somewhere downstream and open every collection.
 */
function scopeOf(collections: unknown, holder: string, claim = 'collections'): string[] {
  const valid = Array.isArray(collections) && collections.length > 0 && collections.every(isCollectionName);
  if (!valid)
    throw new UnauthenticatedError(
      `the ${holder}'s ${claim} must be a non-empty list of collection names (absent: every collection)`,
    );
  return [...new Set(collections as string[])];
}

/**
 * A token's groups claim: absent, or a list of non-empty strings. Anything else is refused: read as
 * "no groups" it would merely hide documents, but a string read as one group could grant a wrong one.
 */
function groupsOf(claim: unknown): string[] | undefined {
  if (claim === undefined) return undefined;
  const valid =
    Array.isArray(claim) && claim.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 256);
  if (!valid) throw new UnauthenticatedError("the token's groups claim must be a list of group names");
  return [...new Set(claim as string[])];
}

/**
 * The principal a verified token's claims describe. Fails closed: a claim of the wrong type is a
 * refusal, never a default, and a token without exp (which would never expire) is refused unless
 * QUARRY_JWT_ALLOW_NO_EXP is set.
 */
export function principalOfClaims(payload: JWTPayload, allowNoExpiry: boolean): Principal {
  const role = payload.role;
  if (typeof role !== 'string' || !ROLES.includes(role as Role))
    throw new UnauthenticatedError(`the token's role claim must be one of ${ROLES.join(', ')}`);
  if (payload.sub !== undefined && (typeof payload.sub !== 'string' || payload.sub === ''))
    throw new UnauthenticatedError("the token's sub claim must be a non-empty string");
  if (payload.exp === undefined && !allowNoExpiry)
    throw new UnauthenticatedError(
      'the token has no exp claim, so it would never expire (QUARRY_JWT_ALLOW_NO_EXP=true accepts such tokens)',
    );
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)))
    throw new UnauthenticatedError("the token's exp claim must be a number of seconds");
  const collections =
    payload.collections === undefined
      ? undefined
      : scopeOf(payload.collections, 'token', 'collections claim');
  const groups = groupsOf(payload.groups);
  return {
    id: `jwt:${payload.sub ?? 'anonymous'}`,
    role: role as Role,
    ...(collections ? { collections } : {}),
    ...(groups ? { groups } : {}),
    // A document's access.users names the token's subject.
    ...(payload.sub !== undefined ? { user: payload.sub } : {}),
    ...(payload.exp !== undefined ? { expiresAt: payload.exp * 1000 } : {}),
  };
}

/** Whether a presented credential is a JWT (three parts, a JSON header and payload), not a key with dots. */
function isJwt(token: string): boolean {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `qk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Turns credentials into a principal: configured keys (QUARRY_API_KEYS), keys created through
 * the API (stored hashed), or a JWT (HS256 with a shared secret or RS256 with a public key;
 * issuer, audience and expiry checked). Without any configured credentials Quarry is in
 * protected mode: it listens on loopback only and local callers are the local admin.
 */
export class Authenticator {
  private stored = new Map<string, StoredApiKey>();
  private reloading: Promise<void> = Promise.resolve();
  private readonly jwtKey?: Uint8Array | KeyObject;

  constructor(
    private readonly keys: ApiKeyConfig[],
    private readonly jwt: JwtConfig | undefined,
    private readonly store?: ApiKeyStore,
    /** Access tokens of an OAuth issuer (QUARRY_OAUTH_ISSUER), besides keys and static JWTs. */
    readonly oauth?: OAuthResourceServer,
  ) {
    if (jwt?.secret) this.jwtKey = new TextEncoder().encode(jwt.secret);
    else if (jwt?.publicKey) this.jwtKey = createPublicKey(jwt.publicKey);
  }

  /** Protected mode: nothing configured, so loopback callers need no credentials. */
  get protectedMode(): boolean {
    return this.keys.length === 0 && !this.jwtKey && !this.oauth;
  }

  /**
   * Reads the stored keys again. Reloads run one after another: two that overlapped (a key's
   * creation and another instance's announcement) could otherwise finish out of order, and the
   * older list would replace the newer one, refusing a key just created.
   */
  reload(): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
    const next = this.reloading.then(async () => {
      this.stored = new Map((await store.list()).map((k) => [k.hash, k]));
    });
    // A failed reload fails its caller but not the ones queued after it.
    this.reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Every refusal carries a `WWW-Authenticate` challenge (challengeOf): with an OAuth issuer, one
   * that points to the protected resource metadata, so MCP clients can discover where to sign in.
   */
  async authenticate(credentials: Credentials): Promise<Principal> {
    try {
      return await this.principalOf(credentials);
    } catch (error) {
      if (error instanceof UnauthenticatedError && !challengeOf(error))
        throw withChallenge(
          error,
          !this.oauth
            ? bearerChallenge({})
            : presentedKey(credentials)
              ? this.oauth.invalidChallenge(error.message)
              : this.oauth.missingChallenge(),
        );
      throw error;
    }
  }

  private async principalOf(credentials: Credentials): Promise<Principal> {
    const key = presentedKey(credentials);
    if (!key) {
      if (this.protectedMode) return resolvePrincipal(credentials, []);
      throw new UnauthenticatedError(
        'credentials are required (Authorization: Bearer <API key or JWT>, or X-API-Key)',
      );
    }
    if (key.split('.').length === 3) {
      // A configured API key may contain dots too: only a decodable JWT goes to the issuer's verifier.
      if (this.oauth && isJwt(key) && (!this.jwtKey || this.issuedByOAuthIssuer(key)))
        return this.oauth.authenticate(key);
      if (this.jwtKey) return this.verifyJwt(key);
    }
    const hash = hashApiKey(key);
    const stored = this.stored.get(hash);
    if (stored) {
      if (await this.store!.isRevoked(hash)) throw new UnauthenticatedError('the API key has been revoked');
      return {
        id: `key:${stored.id}`,
        role: stored.role,
        ...(stored.collections ? { collections: scopeOf(stored.collections, 'API key') } : {}),
        ...(stored.groups ? { groups: stored.groups } : {}),
      };
    }
    const presented = Buffer.from(hash, 'hex');
    const configured = this.keys.find((k) =>
      timingSafeEqual(Buffer.from(hashApiKey(k.key), 'hex'), presented),
    );
    if (configured) {
      return {
        id: `key:${hash.slice(0, 12)}`,
        role: configured.role,
        ...(configured.collections ? { collections: scopeOf(configured.collections, 'API key') } : {}),
        ...(configured.groups ? { groups: configured.groups } : {}),
      };
    }
    // Not a key of ours: an opaque access token, when the issuer can be asked about it (RFC 7662).
    if (this.oauth?.config.introspection) return this.oauth.authenticate(key);
    throw new UnauthenticatedError('the API key is not valid');
  }

  /** Which verifier a JWT goes to when both are configured: its (unverified) `iss` only routes it. */
  private issuedByOAuthIssuer(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.oauth?.config.issuer;
    } catch {
      return false;
    }
  }

  private async verifyJwt(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.jwtKey as Uint8Array, {
        issuer: this.jwt?.issuer,
        audience: this.jwt?.audience,
        algorithms: this.jwt?.secret ? ['HS256'] : ['RS256'],
      });
      return principalOfClaims(payload, this.jwt?.allowNoExpiry === true);
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw new UnauthenticatedError(`the token's ${error.claim} claim is not accepted`);
      throw new UnauthenticatedError('the token is not valid');
    }
  }
}
