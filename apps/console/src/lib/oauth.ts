/**
 * Console sign-in with the organisation's identity provider: authorization code + PKCE in the
 * browser (RFC 9700), for Quarry's resource (RFC 8707). The access token lives in memory only: a
 * reload signs in again (a silent round trip while the provider's session lasts). Only the PKCE
 * verifier and state cross the redirect, in this tab's session storage, and are removed at once.
 */

export interface SignInSettings {
  issuer: string;
  clientId: string;
  resource: string;
  scopes: string[];
}

interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

const PENDING = 'quarry.oauth.pending';

let accessToken: string | null = null;

export function oauthToken(): string | null {
  return accessToken;
}

export function forgetOAuthToken(): void {
  accessToken = null;
}

/** The sign-in settings Quarry offers, or null when the console signs in with keys only. */
export async function signInSettings(): Promise<SignInSettings | null> {
  const response = await fetch('/console/sign-in.json').catch(() => undefined);
  if (!response?.ok) return null;
  const settings = (await response.json().catch(() => null)) as SignInSettings | null;
  return settings?.clientId ? settings : null;
}

/** RFC 8414 first, then OpenID Discovery; the document must name the issuer it was asked for. */
async function providerMetadata(issuer: string): Promise<ProviderMetadata> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  for (const candidate of [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ]) {
    const response = await fetch(candidate).catch(() => undefined);
    if (!response?.ok) continue;
    const metadata = (await response.json()) as ProviderMetadata;
    if (metadata.issuer === issuer) return metadata;
  }
  throw new Error(`the identity provider ${issuer} publishes no metadata`);
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function redirectUri(): string {
  return `${location.origin}/`;
}

/** Leaves for the provider's sign-in page. */
export async function startSignIn(settings: SignInSettings): Promise<void> {
  const metadata = await providerMetadata(settings.issuer);
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    scope: ['openid', ...settings.scopes].join(' '),
    resource: settings.resource,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.href);
}

/**
 * Back from the provider (`/?code=...&state=...`): exchanges the code for an access token, then
 * cleans the address bar. False when this page load is not a sign-in callback.
 */
export async function finishSignIn(settings: SignInSettings | null): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const pendingRaw = sessionStorage.getItem(PENDING);
  if (!settings || !pendingRaw || !(params.has('code') || params.has('error'))) return false;
  sessionStorage.removeItem(PENDING);
  const pending = JSON.parse(pendingRaw) as { verifier: string; state: string; hash: string };
  history.replaceState(null, '', '/');
  // Back on the page the user left for the provider: a hash change the router hears.
  if (pending.hash) location.hash = pending.hash;
  if (params.get('state') !== pending.state) throw new Error('the sign-in answer does not match this tab');
  if (params.has('error'))
    throw new Error(`sign-in refused: ${params.get('error_description') ?? params.get('error')}`);
  const metadata = await providerMetadata(settings.issuer);
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code')!,
      redirect_uri: redirectUri(),
      client_id: settings.clientId,
      code_verifier: pending.verifier,
      resource: settings.resource,
    }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) throw new Error(`sign-in failed: ${body.error ?? response.status}`);
  accessToken = body.access_token;
  return true;
}
