import { timingSafeEqual, createHash } from 'node:crypto';
import { UnauthenticatedError, type Principal } from '@quarry/core';
import type { ApiKeyConfig } from '@quarry/config';

export interface Credentials {
  authorization?: string;
  apiKey?: string;
  remoteAddress?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The presented key, from `Authorization: Bearer <key>` or `X-API-Key`. */
export function presentedKey(credentials: Credentials): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(credentials.authorization ?? '')?.[1]?.trim();
  return bearer || credentials.apiKey?.trim() || undefined;
}

/**
 * Who is calling. Without configured keys Quarry runs in protected mode: it binds loopback only
 * and every local caller is the local admin. With keys, a valid key is required.
 */
export function resolvePrincipal(credentials: Credentials, keys: ApiKeyConfig[]): Principal {
  if (keys.length === 0) {
    if (credentials.remoteAddress && !LOOPBACK.test(credentials.remoteAddress)) {
      throw new UnauthenticatedError('no API keys are configured, so only loopback callers are served');
    }
    return { id: 'local', role: 'admin', unmetered: true };
  }
  const key = presentedKey(credentials);
  if (!key)
    throw new UnauthenticatedError('an API key is required (Authorization: Bearer <key> or X-API-Key)');
  const presented = digest(key);
  // Compare digests in constant time so response timing does not reveal key prefixes.
  const match = keys.find((k) => timingSafeEqual(digest(k.key), presented));
  if (!match) throw new UnauthenticatedError('the API key is not valid');
  return {
    id: `key:${digest(match.key).toString('hex').slice(0, 12)}`,
    role: match.role,
    ...(match.collections ? { collections: match.collections } : {}),
    ...(match.groups ? { groups: match.groups } : {}),
  };
}
