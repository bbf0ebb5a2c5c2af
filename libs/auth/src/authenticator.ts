import { createHash, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { ApiKeyConfig, JwtConfig, Role } from '@quarry/config';
import { UnauthenticatedError, type Principal } from '@quarry/core';
import { presentedKey, resolvePrincipal, type Credentials } from './principal';

/** An API key created through the API: only its hash is stored. */
export interface StoredApiKey {
  id: string;
  hash: string;
  role: Role;
  collections?: string[];
  created_at: string;
}

/** Where created keys live (the metadata index) and how revocations reach every instance at once. */
export interface ApiKeyStore {
  list(): Promise<StoredApiKey[]>;
  /** True when the key hash was revoked (checked on every request, so a revocation holds everywhere immediately). */
  isRevoked(hash: string): Promise<boolean>;
}

const ROLES: Role[] = ['reader', 'writer', 'admin'];

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
  private readonly jwtKey?: Uint8Array | KeyObject;

  constructor(
    private readonly keys: ApiKeyConfig[],
    private readonly jwt: JwtConfig | undefined,
    private readonly store?: ApiKeyStore,
  ) {
    if (jwt?.secret) this.jwtKey = new TextEncoder().encode(jwt.secret);
    else if (jwt?.publicKey) this.jwtKey = createPublicKey(jwt.publicKey);
  }

  /** Protected mode: nothing configured, so loopback callers need no credentials. */
  get protectedMode(): boolean {
    return this.keys.length === 0 && !this.jwtKey;
  }

  async reload(): Promise<void> {
    if (!this.store) return;
    this.stored = new Map((await this.store.list()).map((k) => [k.hash, k]));
  }

  async authenticate(credentials: Credentials): Promise<Principal> {
    const key = presentedKey(credentials);
    if (!key) {
      if (this.protectedMode) return resolvePrincipal(credentials, []);
      throw new UnauthenticatedError(
        'credentials are required (Authorization: Bearer <API key or JWT>, or X-API-Key)',
      );
    }
    if (this.jwtKey && key.split('.').length === 3) return this.verifyJwt(key);
    const hash = hashApiKey(key);
    const stored = this.stored.get(hash);
    if (stored) {
      if (await this.store!.isRevoked(hash)) throw new UnauthenticatedError('the API key has been revoked');
      return {
        id: `key:${stored.id}`,
        role: stored.role,
        ...(stored.collections?.length ? { collections: stored.collections } : {}),
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
        ...(configured.collections ? { collections: configured.collections } : {}),
      };
    }
    throw new UnauthenticatedError('the API key is not valid');
  }

  private async verifyJwt(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.jwtKey as Uint8Array, {
        issuer: this.jwt?.issuer,
        audience: this.jwt?.audience,
        algorithms: this.jwt?.secret ? ['HS256'] : ['RS256'],
      });
      const role = payload.role as Role;
      if (!ROLES.includes(role))
        throw new UnauthenticatedError(`the token's role claim must be one of ${ROLES.join(', ')}`);
      const collections = Array.isArray(payload.collections) ? payload.collections.map(String) : undefined;
      return {
        id: `jwt:${payload.sub ?? 'anonymous'}`,
        role,
        ...(collections?.length ? { collections } : {}),
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
      };
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw new UnauthenticatedError(`the token's ${error.claim} claim is not accepted`);
      throw new UnauthenticatedError('the token is not valid');
    }
  }
}
