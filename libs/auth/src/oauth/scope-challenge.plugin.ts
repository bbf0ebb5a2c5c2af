import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/server';
import type { OAuthConfig, Role } from '@quarry/config';
import { roleAllows, type MessageManagerPlugin } from '@quarry/core';
import { bearerChallenge, withChallenge } from './challenge';
import { OAUTH_PRINCIPAL_PREFIX, SCOPE_ROLES } from './resource-server';

/** The scope that grants a role. */
export function scopeFor(role: Role): string {
  return SCOPE_ROLES.find(([, granted]) => granted === role)![0];
}

/**
 * When an OAuth token's role is too low for an operation, the refusal says which scope would do
 * (`403`, `WWW-Authenticate: Bearer error="insufficient_scope", scope="quarry:write"`), so a
 * client can ask its user for more (step-up authorization) instead of failing blind.
 */
export function scopeChallengePlugin(config: OAuthConfig | undefined): MessageManagerPlugin {
  if (!config) return {};
  const resourceMetadata = getOAuthProtectedResourceMetadataUrl(new URL(config.resource));
  return {
    afterRun(outcome) {
      const { error, operation, principal } = outcome;
      if (error?.kind !== 'forbidden' || !operation || !principal.id.startsWith(OAUTH_PRINCIPAL_PREFIX))
        return;
      if (roleAllows(principal.role, operation.role)) return;
      withChallenge(
        error,
        bearerChallenge({
          error: 'insufficient_scope',
          description: error.message,
          resourceMetadata,
          scope: scopeFor(operation.role),
        }),
      );
    },
  };
}
