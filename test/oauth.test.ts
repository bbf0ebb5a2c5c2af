import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformation, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeProtectedHeader } from 'jose';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';
import {
  followToRedirect,
  freePort,
  INTROSPECTION_CLIENT,
  MCP_CLIENT_ID,
  OPAQUE_SERVICE_CLIENT,
  REDIRECT_URI,
  TestIssuer,
} from './support/oidc';

const ADMIN_KEY = 'oauth-admin-key-0123';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An MCP client's OAuth state, as a desktop client would keep it; the "browser" is followToRedirect. */
class TestOAuthProvider implements OAuthClientProvider {
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;
  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return { client_name: 'quarry test', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' };
  }
  clientInformation(): OAuthClientInformation {
    return { client_id: MCP_CLIENT_ID };
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe('Quarry as an OAuth 2.1 resource server, with a real OpenID provider', () => {
  let server: RunningServer;
  let issuer: TestIssuer;
  let publicUrl: string;
  let resource: string;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    resource = `${publicUrl}/mcp`;
    issuer = await TestIssuer.start(resource);
    const config = testConfig({
      QUARRY_API_KEYS: `${ADMIN_KEY}:admin`,
      QUARRY_PUBLIC_URL: publicUrl,
      QUARRY_OAUTH_ISSUER: issuer.issuer,
      // Rotation is picked up at the first token with an unknown kid, not after a cooldown.
      QUARRY_OAUTH_JWKS_COOLDOWN_SECONDS: '0',
      QUARRY_RATE_LIMIT_READ: '0',
      QUARRY_OAUTH_CLIENT_ID: INTROSPECTION_CLIENT.id,
      QUARRY_OAUTH_CLIENT_SECRET: INTROSPECTION_CLIENT.secret,
    });
    server = await startServerWithoutModel({ ...config, port });
    const seeded = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        {
          id: 'oauth-runbook',
          collection: 'eng',
          title: 'Disk full',
          body: 'Rotate the logs when the disk is full.',
        },
        {
          id: 'oauth-eng-salary',
          collection: 'shared',
          title: 'Engineering salary bands',
          body: 'The salary bands of the engineering ladder.',
          access: { groups: ['eng'] },
        },
        {
          id: 'oauth-hr-salary',
          collection: 'shared',
          title: 'Every salary',
          body: 'The salary of every employee, by name.',
          access: { groups: ['hr'] },
        },
      ],
      bearer(ADMIN_KEY),
    );
    expect(seeded.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    await issuer?.close();
  });

  it('serves the protected resource metadata (RFC 9728) at the path-aware and the root location', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const answer = await call(server.url, 'GET', path, undefined, { origin: 'https://agent.example' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.body).toEqual(
        expect.objectContaining({
          resource,
          authorization_servers: [issuer.issuer],
          scopes_supported: ['quarry:admin', 'quarry:write', 'quarry:read'],
          bearer_methods_supported: ['header'],
        }),
      );
    }
  });

  it('answers a request without a token with 401 and a challenge that points to the metadata, on every edge', async () => {
    const challenge = `Bearer resource_metadata="${publicUrl}/.well-known/oauth-protected-resource/mcp", scope="quarry:read"`;
    const mcp = await call(
      server.url,
      'POST',
      '/mcp',
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      {
        accept: 'application/json, text/event-stream',
      },
    );
    const rest = await call(server.url, 'POST', '/v1/search', { query: 'disk' });
    const graphql = await call(server.url, 'POST', '/graphql', { query: '{ collections { name } }' });
    for (const answer of [mcp, rest, graphql]) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(challenge);
    }
  });

  it('authorization code + PKCE with a resource indicator: the access token searches, the refresh token renews it', async () => {
    const tokens = await issuer.authorizationCode('alice', resource, 'quarry:read');
    const search = await call(
      server.url,
      'POST',
      '/v1/search',
      { query: 'disk', mode: 'lexical' },
      bearer(tokens.access_token),
    );
    expect(search.status).toBe(200);
    expect(search.body.hits.map((h: { id: string }) => h.id)).toContain('oauth-runbook');
    // quarry:read makes a reader: writing is refused.
    const write = await call(
      server.url,
      'POST',
      '/v1/documents',
      [{ body: 'x', collection: 'eng' }],
      bearer(tokens.access_token),
    );
    expect(write.status).toBe(403);

    expect(tokens.refresh_token).toBeDefined();
    const renewed = await issuer.refresh(tokens.refresh_token!, resource);
    expect(renewed.access_token).not.toBe(tokens.access_token);
    const again = await call(
      server.url,
      'POST',
      '/v1/search',
      { query: 'disk', mode: 'lexical' },
      bearer(renewed.access_token),
    );
    expect(again.status).toBe(200);
  });

  it("the token's groups decide what its user finds: eng never sees hr's documents, on any edge", async () => {
    const alice = (await issuer.authorizationCode('alice', resource, 'quarry:read')).access_token;
    const harry = (await issuer.authorizationCode('harry', resource, 'quarry:read')).access_token;
    const found = async (token: string) => {
      const answer = await call(
        server.url,
        'POST',
        '/v1/search',
        { query: 'salary', mode: 'lexical' },
        bearer(token),
      );
      expect(answer.status).toBe(200);
      return { ids: answer.body.hits.map((h: { id: string }) => h.id).sort(), total: answer.body.total };
    };
    expect(await found(alice)).toEqual({ ids: ['oauth-eng-salary'], total: 1 });
    expect(await found(harry)).toEqual({ ids: ['oauth-hr-salary'], total: 1 });
    const read = await call(server.url, 'GET', '/v1/documents/oauth-hr-salary', undefined, bearer(alice));
    expect(read.status).toBe(404);
    const graphql = await call(
      server.url,
      'POST',
      '/graphql',
      { query: '{ search(input: { query: "salary", mode: LEXICAL }) { total hits { id } } }' },
      bearer(alice),
    );
    expect(graphql.body.data.search).toEqual({ total: 1, hits: [{ id: 'oauth-eng-salary' }] });
  });

  it('client credentials for services: quarry:write lets the service index documents', async () => {
    const token = await issuer.clientCredentials(resource, 'quarry:read quarry:write');
    const write = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id: 'oauth-service-doc', collection: 'eng', body: 'Indexed by a service account.' }],
      bearer(token),
    );
    expect(write.status).toBe(200);
  });

  it('an opaque access token is introspected (RFC 7662): served while active, an unknown one refused', async () => {
    const token = await issuer.clientCredentials(resource, 'quarry:read', OPAQUE_SERVICE_CLIENT);
    expect(token.split('.')).toHaveLength(1);
    const search = await call(
      server.url,
      'POST',
      '/v1/search',
      { query: 'disk', mode: 'lexical' },
      bearer(token),
    );
    expect(search.status).toBe(200);
    const junk = await call(server.url, 'POST', '/v1/search', { query: 'disk' }, bearer(`${token}x`));
    expect(junk.status).toBe(401);
    expect(junk.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('a token signed with a rotated key validates, and so do tokens signed before the rotation', async () => {
    const before = await issuer.clientCredentials(resource, 'quarry:read');
    expect((await call(server.url, 'GET', '/v1/collections', undefined, bearer(before))).status).toBe(200);
    const oldKid = decodeProtectedHeader(before).kid;
    const newKey = await issuer.rotate();
    const after = await issuer.clientCredentials(resource, 'quarry:read');
    expect(decodeProtectedHeader(after).kid).toBe(newKey.kid);
    expect(newKey.kid).not.toBe(oldKid);
    expect((await call(server.url, 'GET', '/v1/collections', undefined, bearer(after))).status).toBe(200);
    expect((await call(server.url, 'GET', '/v1/collections', undefined, bearer(before))).status).toBe(200);
  });

  it('an MCP client completes discovery → authorization → tools/call from the 401 challenge alone', async () => {
    const oauth = new TestOAuthProvider();
    const url = new URL(resource);
    const first = new Client({ name: 'oauth-test', version: '1.0.0' });
    await expect(
      first.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    // The client found the issuer through the challenge and the metadata, and asks for this resource.
    expect(oauth.authorizationUrl?.origin).toBe(new URL(issuer.issuer).origin);
    expect(oauth.authorizationUrl?.searchParams.get('resource')).toBe(resource);
    expect(oauth.authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256');
    oauth.authorizationUrl!.searchParams.set('login_hint', 'alice');
    const code = await followToRedirect(oauth.authorizationUrl!);
    const transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
    await transport.finishAuth(code);
    expect(oauth.saved?.access_token).toBeDefined();

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'search', arguments: { query: 'disk', mode: 'lexical' } });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.structuredContent ?? result.content)).toContain('oauth-runbook');
      // Signed in as alice (eng): hr's document is not there for her MCP client either.
      const salaries = await client.callTool({
        name: 'search',
        arguments: { query: 'salary', mode: 'lexical' },
      });
      expect(JSON.stringify(salaries.structuredContent ?? salaries.content)).toContain('oauth-eng-salary');
      expect(JSON.stringify(salaries.structuredContent ?? salaries.content)).not.toContain('oauth-hr-salary');
    } finally {
      await client.close();
    }
  });
});
