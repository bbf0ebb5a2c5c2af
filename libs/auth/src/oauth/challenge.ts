/**
 * The `WWW-Authenticate` challenge a refusal carries (RFC 6750, RFC 9728): edges that answer 401
 * or 403 copy it to the response, so an MCP client learns where the protected resource metadata
 * is and which scope to ask for. Kept on the error itself, out of its JSON.
 */
const CHALLENGE = Symbol('www-authenticate');

export function withChallenge<E extends Error>(error: E, challenge: string): E {
  Object.defineProperty(error, CHALLENGE, { value: challenge, enumerable: false });
  return error;
}

export function challengeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as Record<symbol, unknown>)[CHALLENGE];
  return typeof value === 'string' ? value : undefined;
}

/** An RFC 7230 quoted-string: `\` and `"` escaped, anything outside printable ASCII replaced. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, ' ')}"`;
}

/** A `Bearer` challenge with its parameters in the order the MCP authorization spec shows them. */
export function bearerChallenge(params: {
  error?: string;
  description?: string;
  resourceMetadata?: string;
  scope?: string;
}): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error=${quoted(params.error)}`);
  if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  if (params.resourceMetadata) parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  if (params.scope) parts.push(`scope=${quoted(params.scope)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer realm="quarry"';
}
