import {
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { OAuthConfig, Role } from '@quarry/config';
import { ForbiddenError, QuarryError, UnauthenticatedError, type Principal } from '@quarry/core';
import { AccessTokenVerifier } from './access-token.verifier';
import { bearerChallenge, withChallenge } from './challenge';
import type { FetchLike } from './issuer-metadata';

/** Quarry's scopes and the role each grants; a token holding several gets the highest. */
export const SCOPE_ROLES: ReadonlyArray<readonly [scope: string, role: Role]> = [
  ['quarry:admin', 'admin'],
  ['quarry:write', 'writer'],
  ['quarry:read', 'reader'],
];
export const QUARRY_SCOPES = SCOPE_ROLES.map(([scope]) => scope);
/** What a client is told to ask for when it has no token: enough to search and read. */
export const DEFAULT_CHALLENGE_SCOPE = 'quarry:read';
/**
 * How the ids of principals made from access tokens begin: `oauth:<sub>` for users,
 * `oauth-client:<client_id>` for a client acting for itself (distinct, whatever a sub may be).
 */
export const OAUTH_PRINCIPAL_PREFIX = 'oauth';

/** A valid token that grants none of Quarry's scopes. */
export class InsufficientScopeError extends ForbiddenError {
  constructor(readonly requiredScope: string) {
    super(`the token grants none of Quarry's scopes (${QUARRY_SCOPES.join(', ')}); ask for ${requiredScope}`);
  }
}

/** A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Quarry as an OAuth 2.1 resource server (MCP authorization, 2026-07-28): the protected resource
 * metadata it serves, the challenges it answers with, and the principal a verified access token
 * describes: the role from its scopes, the user from `sub`, the groups from the configured claim.
 */
export class OAuthResourceServer {
  readonly verifier: AccessTokenVerifier;
  readonly resourceMetadataUrl: string;

  constructor(
    readonly config: OAuthConfig,
    fetchImpl?: FetchLike,
  ) {
    this.verifier = new AccessTokenVerifier(config, fetchImpl);
    this.resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(config.resource));
  }

  /** RFC 9728 protected resource metadata. */
  metadata() {
    return {
      resource: this.config.resource,
      authorization_servers: [this.config.issuer],
      scopes_supported: QUARRY_SCOPES,
      bearer_methods_supported: ['header'],
      resource_name: 'Quarry',
    };
  }

  /** The challenge of a request that brought no credentials. */
  missingChallenge(): string {
    return bearerChallenge({ resourceMetadata: this.resourceMetadataUrl, scope: DEFAULT_CHALLENGE_SCOPE });
  }

  /** The challenge of a request whose credentials were refused. */
  invalidChallenge(description: string): string {
    return bearerChallenge({
      error: 'invalid_token',
      description,
      resourceMetadata: this.resourceMetadataUrl,
      scope: DEFAULT_CHALLENGE_SCOPE,
    });
  }

  /** The principal of a bearer token, or a refusal carrying its challenge. */
  async authenticate(token: string): Promise<Principal> {
    let info: AuthInfo;
    try {
      info = await verifyBearerToken(`Bearer ${token}`, {
        verifier: this.verifier,
        expectedResource: new URL(this.config.resource),
        resourceMetadataUrl: this.resourceMetadataUrl,
      });
      return this.principalOf(info);
    } catch (error) {
      throw this.refusal(error);
    }
  }

  private principalOf(info: AuthInfo): Principal {
    const claims = (info.extra?.claims ?? {}) as Record<string, unknown>;
    const granted = SCOPE_ROLES.find(([scope]) => info.scopes.includes(scope));
    if (!granted) throw new InsufficientScopeError(DEFAULT_CHALLENGE_SCOPE);
    const sub = claims.sub;
    if (sub === undefined && info.clientId)
      return this.withGroups(claims, info, {
        id: `${OAUTH_PRINCIPAL_PREFIX}-client:${info.clientId}`,
        role: granted[1],
      });
    if (typeof sub !== 'string' || sub === '')
      throw new OAuthError(OAuthErrorCode.InvalidToken, "the token's sub claim must be a non-empty string");
    return this.withGroups(claims, info, {
      id: `${OAUTH_PRINCIPAL_PREFIX}:${sub}`,
      role: granted[1],
      user: sub,
    });
  }

  /** The groups claim and expiry added to a principal; a client without a user names no user. */
  private withGroups(claims: Record<string, unknown>, info: AuthInfo, principal: Principal): Principal {
    const groups = claimAt(claims, this.config.groupsClaim);
    if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string')))
      throw new OAuthError(
        OAuthErrorCode.InvalidToken,
        `the token's ${this.config.groupsClaim} claim must be a list of group names`,
      );
    return {
      ...principal,
      // Absent means member of no group, never "not subject to groups".
      groups: [...new Set((groups as string[] | undefined) ?? [])],
      ...(info.expiresAt !== undefined ? { expiresAt: info.expiresAt * 1000 } : {}),
    };
  }

  private refusal(error: unknown): Error {
    if (error instanceof InsufficientScopeError)
      return withChallenge(
        error,
        bearerChallenge({
          error: 'insufficient_scope',
          description: error.message,
          resourceMetadata: this.resourceMetadataUrl,
          scope: error.requiredScope,
        }),
      );
    if (error instanceof OAuthError) {
      return withChallenge(new UnauthenticatedError(error.message), this.invalidChallenge(error.message));
    }
    if (error instanceof QuarryError) return error;
    return error instanceof Error ? error : new Error(String(error));
  }
}
