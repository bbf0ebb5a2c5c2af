import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import WebSocket from 'ws';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, testConfig } from '../support/test-env';
import { freePort, TestIssuer } from '../support/oidc';

const ADMIN_KEY = 'oauth-attack-admin-0123';

interface Answer {
  status: number;
  challenge: string | null;
}

/**
 * Every HTTP edge answers the same way to the same token: REST, GraphQL over HTTP, MCP Streamable
 * HTTP and the MCP WebSocket upgrade.
 */
async function everyEdge(url: string, token: string | undefined): Promise<Record<string, Answer>> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const answer = (r: { status: number; headers: Headers }) => ({
    status: r.status,
    challenge: r.headers.get('www-authenticate'),
  });
  const rest = await call(url, 'POST', '/v1/search', { query: 'salary', mode: 'lexical' }, headers);
  const graphql = await call(url, 'POST', '/graphql', { query: '{ collections { name } }' }, headers);
  const mcp = await call(
    url,
    'POST',
    '/mcp',
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'attacker', version: '1' },
      },
    },
    { ...headers, accept: 'application/json, text/event-stream' },
  );
  const ws = await new Promise<Answer>((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/mcp/ws`, 'mcp', { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, challenge: null });
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({
        status: res.statusCode ?? 0,
        challenge: (res.headers['www-authenticate'] as string) ?? null,
      });
      res.resume();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
  return { rest: answer(rest), graphql: answer(graphql), mcp: answer(mcp), ws };
}

/** An RS256 private key nobody trusts. */
function foreignKey(kid: string): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256' } as JWK;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OAuth access tokens that must be refused, on every edge', () => {
  let server: RunningServer;
  let issuer: TestIssuer;
  let resource: string;
  let metadataUrl: string;

  /** A token with the claims a legitimate one has, changed by `claims`, signed with `key` (default: the issuer's). */
  async function mint(claims: JWTPayload = {}, key: JWK = issuer.signingKey, alg = 'RS256'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: issuer.issuer,
      aud: resource,
      sub: 'alice',
      scope: 'quarry:read',
      groups: ['eng'],
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt' })
      .sign(await importJWK(key, alg));
  }

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    resource = `${publicUrl}/mcp`;
    metadataUrl = `${publicUrl}/.well-known/oauth-protected-resource/mcp`;
    issuer = await TestIssuer.start(resource);
    const config = testConfig({
      QUARRY_API_KEYS: `${ADMIN_KEY}:admin`,
      QUARRY_PUBLIC_URL: publicUrl,
      QUARRY_OAUTH_ISSUER: issuer.issuer,
      QUARRY_RATE_LIMIT_READ: '0',
    });
    server = await startServerWithoutModel({ ...config, port });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    await issuer?.close();
  });

  it('a legitimate token of the issuer is served everywhere (the baseline the attacks are measured on)', async () => {
    const answers = await everyEdge(server.url, await mint());
    expect(answers).toEqual({
      rest: { status: 200, challenge: null },
      graphql: { status: 200, challenge: null },
      mcp: { status: 200, challenge: null },
      ws: { status: 101, challenge: null },
    });
  });

  it('no token: 401 with the challenge that leads to the metadata and the scope to ask for', async () => {
    const challenge = `Bearer resource_metadata="${metadataUrl}", scope="quarry:read"`;
    for (const answer of Object.values(await everyEdge(server.url, undefined)))
      expect(answer).toEqual({ status: 401, challenge });
  });

  const refused: [string, () => Promise<string>][] = [
    ['a token for another resource', () => mint({ aud: 'https://other.example/mcp' })],
    ['a token for the issuer client (an ID token: aud is a client id)', () => mint({ aud: 'mcp-client' })],
    ['a token from another issuer, signed with the trusted key', () => mint({ iss: 'https://evil.example' })],
    ['a token signed with a foreign key under an unknown kid', () => mint({}, foreignKey('attacker-key'))],
    [
      'a token signed with a foreign key under the trusted kid',
      () => mint({}, foreignKey(issuer.signingKey.kid!)),
    ],
    ['an expired token', () => mint({ iat: 1_000_000, exp: 1_000_300 })],
    ['a token not valid yet (nbf in an hour)', () => mint({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['a token without exp', () => mint({ exp: undefined })],
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({
          iss: issuer.issuer,
          aud: resource,
          sub: 'alice',
          scope: 'quarry:admin',
          exp: Math.floor(Date.now() / 1000) + 300,
        })}.`,
    ],
    [
      'HS256 keyed with the issuer public key (RS/HS confusion)',
      async () => {
        const publicPem = createPublicKey({
          key: issuer.signingKey as import('node:crypto').JsonWebKey,
          format: 'jwk',
        }).export({
          type: 'spki',
          format: 'pem',
        }) as string;
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({
          iss: issuer.issuer,
          aud: resource,
          sub: 'alice',
          scope: 'quarry:admin',
          exp: now + 300,
        })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.signingKey.kid })
          .sign(new TextEncoder().encode(publicPem));
      },
    ],
    ['a groups claim that is a string, not a list', () => mint({ groups: 'eng' })],
    ['a token without sub', () => mint({ sub: undefined })],
    ['an opaque string that is no key and no token', async () => `opaque-${randomUUID()}`],
  ];

  it.each(refused)('%s: 401 invalid_token with the challenge, on every edge', async (_name, token) => {
    const answers = await everyEdge(server.url, await token());
    for (const [edge, answer] of Object.entries(answers)) {
      expect({ edge, status: answer.status }).toEqual({ edge, status: 401 });
      expect(answer.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"/);
      expect(answer.challenge).toContain(`resource_metadata="${metadataUrl}"`);
    }
  });

  it('a valid token without any Quarry scope: 403 insufficient_scope naming the scope to ask for', async () => {
    const answers = await everyEdge(server.url, await mint({ scope: 'openid profile' }));
    for (const [edge, answer] of Object.entries(answers)) {
      expect({ edge, status: answer.status }).toEqual({ edge, status: 403 });
      expect(answer.challenge).toMatch(/^Bearer error="insufficient_scope", /);
      expect(answer.challenge).toContain('scope="quarry:read"');
    }
  });

  it('quarry:read alone may not write (403 insufficient_scope naming quarry:write), quarry:write may', async () => {
    const doc = [{ id: `w-${randomUUID()}`, collection: 'eng', body: 'written with a token' }];
    const reader = await call(server.url, 'POST', '/v1/documents', doc, {
      authorization: `Bearer ${await mint({ scope: 'quarry:read' })}`,
    });
    expect(reader.status).toBe(403);
    // Step-up: the refusal names the scope that would do.
    expect(reader.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", /);
    expect(reader.headers.get('www-authenticate')).toContain('scope="quarry:write"');
    const writer = await call(server.url, 'POST', '/v1/documents', doc, {
      authorization: `Bearer ${await mint({ scope: 'quarry:read quarry:write' })}`,
    });
    expect(writer.status).toBe(200);
  });
});
