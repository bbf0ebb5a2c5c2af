import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as path from 'node:path';
import type { JWK } from 'jose';

/** A port nobody listens on right now, so Quarry's public URL (its OAuth resource) is known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export const REDIRECT_URI = 'http://127.0.0.1:1/callback';
export const MCP_CLIENT_ID = 'mcp-client';
export const SERVICE_CLIENT = { id: 'indexer', secret: 'indexer-secret-0123456789' };
export const OPAQUE_SERVICE_CLIENT = { id: 'opaque-indexer', secret: 'opaque-indexer-secret-0123' };
export const INTROSPECTION_CLIENT = { id: 'quarry', secret: 'quarry-introspection-secret' };

type Message = { type: string; issuer?: string; key?: JWK };

/** The oidc-provider child process (test/support/oidc-provider.mjs) and what the tests ask of it. */
export class TestIssuer {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
    /** The private key it signs with now: attack tests mint tokens "from the issuer" with it. */
    public signingKey: JWK,
  ) {}

  /** `consoleUri`: also a public client for Quarry's web console, redirecting there. */
  static async start(resource: string, consoleUri?: string): Promise<TestIssuer> {
    const child = fork(path.join(__dirname, 'oidc-provider.mjs'), [], {
      env: {
        ...process.env,
        QUARRY_TEST_RESOURCE: resource,
        QUARRY_TEST_REDIRECT_URI: REDIRECT_URI,
        ...(consoleUri ? { QUARRY_TEST_CONSOLE_URI: consoleUri } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await nextMessage(child, 'ready');
    return new TestIssuer(child, ready.issuer!, ready.key!);
  }

  /** A new signing key, published beside the old one (key rotation). */
  async rotate(): Promise<JWK> {
    const answer = nextMessage(this.child, 'rotated');
    this.child.send({ type: 'rotate' });
    this.signingKey = (await answer).key!;
    return this.signingKey;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }

  /** Client credentials grant of a service client (the JWT one by default), for the resource. */
  async clientCredentials(resource: string, scope: string, client = SERVICE_CLIENT): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }).toString(),
    });
    const body = (await response.json()) as { access_token?: string };
    if (!response.ok || !body.access_token) throw new Error(`client_credentials: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** Authorization code + PKCE with a resource indicator, as a browser would, signing in `user`. */
  async authorizationCode(
    user: string,
    resource: string,
    scope: string,
  ): Promise<{ access_token: string; refresh_token?: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(`${this.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: MCP_CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope,
      resource,
      login_hint: user,
      state: randomBytes(8).toString('hex'),
    }).toString();
    const code = await followToRedirect(url);
    return this.token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: MCP_CLIENT_ID,
      resource,
    });
  }

  async refresh(
    refreshToken: string,
    resource: string,
  ): Promise<{ access_token: string; refresh_token?: string }> {
    return this.token({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: MCP_CLIENT_ID,
      resource,
    });
  }

  private async token(
    params: Record<string, string>,
  ): Promise<{ access_token: string; refresh_token?: string }> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await response.json()) as { access_token: string; refresh_token?: string };
    if (!response.ok) throw new Error(`token ${params.grant_type}: ${JSON.stringify(body)}`);
    return body;
  }
}

function nextMessage(child: ChildProcess, type: string): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Message) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the test issuer exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Follows the provider's redirects (its interaction pages sign the user in without a form), with
 * the cookies it sets, until it redirects to the client's redirect URI; returns the code.
 */
export async function followToRedirect(start: URL): Promise<string> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider answered ${response.status}: ${await response.text()}`);
    url = new URL(location, url);
    if (url.href.startsWith(REDIRECT_URI)) {
      const code = url.searchParams.get('code');
      if (!code) throw new Error(`no code in ${url.href}`);
      return code;
    }
  }
  throw new Error('too many redirects');
}
