import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { OAuthConfig } from '@quarry/config';
import { UnauthenticatedError, UnavailableError } from '@quarry/core';
import { challengeOf } from './challenge';
import { metadataUrls } from './issuer-metadata';
import { Authenticator } from '../authenticator';
import { InsufficientScopeError, OAuthResourceServer } from './resource-server';

const RESOURCE = 'https://quarry.example/mcp';
/** The test issuer's JWKS is served over real HTTP: jose fetches key sets itself. */
let ISSUER = '';
let jwksServer: Server;

beforeAll(async () => {
  jwksServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/realms/quarry/certs' ? JSON.stringify({ keys: [publicOf(KEY)] }) : '{}');
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  ISSUER = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/realms/quarry`;
});

afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

function rsaKey(kid: string): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256' } as JWK;
}
const KEY = rsaKey('k1');
const publicOf = ({ kty, n, e, kid, alg }: JWK) => ({ kty, n, e, kid, alg, use: 'sig' });

/** The issuer as the network shows it: OpenID discovery only (like Keycloak), its JWKS, introspection. */
function fakeIssuer(overrides: { issuerInMetadata?: string; introspection?: Record<string, unknown> } = {}) {
  const requests: string[] = [];
  const fetchImpl = async (url: string, init?: RequestInit): Promise<Response> => {
    requests.push(url);
    if (url === `${ISSUER}/.well-known/openid-configuration`)
      return Response.json({
        issuer: overrides.issuerInMetadata ?? ISSUER,
        jwks_uri: `${ISSUER}/certs`,
        introspection_endpoint: `${ISSUER}/introspect`,
      });
    if (url === `${ISSUER}/introspect`) {
      expect(init?.headers).toEqual(
        expect.objectContaining({ authorization: expect.stringMatching(/^Basic /) }),
      );
      return Response.json(overrides.introspection ?? { active: false });
    }
    return new Response('not found', { status: 404 });
  };
  return { requests, fetchImpl };
}

function config(overrides: Partial<OAuthConfig> = {}): OAuthConfig {
  return {
    issuer: ISSUER,
    resource: RESOURCE,
    audiences: [RESOURCE],
    groupsClaim: 'groups',
    jwksCooldownSeconds: 30,
    ...overrides,
  };
}

async function token(claims: JWTPayload): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: RESOURCE, sub: 'alice', exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: KEY.kid })
    .sign(await importJWK(KEY, 'RS256'));
}

describe('OAuthResourceServer', () => {
  it('finds the metadata where RFC 8414 and OpenID Discovery put it, for an issuer with a path', () => {
    expect(metadataUrls('https://id.example/realms/quarry')).toEqual([
      'https://id.example/.well-known/oauth-authorization-server/realms/quarry',
      'https://id.example/realms/quarry/.well-known/openid-configuration',
      'https://id.example/.well-known/openid-configuration/realms/quarry',
    ]);
  });

  it.each([
    ['quarry:read', 'reader'],
    ['openid quarry:write', 'writer'],
    ['quarry:read quarry:admin quarry:write', 'admin'],
  ])('scope "%s" makes a %s (the highest wins)', async (scope, role) => {
    const server = new OAuthResourceServer(config(), fakeIssuer().fetchImpl);
    const principal = await server.authenticate(await token({ scope, groups: ['eng', 'eng', 'ops'] }));
    expect(principal).toEqual({
      id: 'oauth:alice',
      role,
      user: 'alice',
      groups: ['eng', 'ops'],
      expiresAt: expect.any(Number),
    });
  });

  it('reads scp as Entra ID and Okta write it, and groups from a dotted claim path', async () => {
    const server = new OAuthResourceServer(
      config({ groupsClaim: 'realm_access.groups' }),
      fakeIssuer().fetchImpl,
    );
    const principal = await server.authenticate(
      await token({ scp: ['quarry:write'], realm_access: { groups: ['hr'] } }),
    );
    expect(principal).toMatchObject({ role: 'writer', groups: ['hr'] });
  });

  it('a token without groups is a member of none (never "not subject to groups")', async () => {
    const server = new OAuthResourceServer(config(), fakeIssuer().fetchImpl);
    expect((await server.authenticate(await token({ scope: 'quarry:read' }))).groups).toEqual([]);
  });

  it.each([
    ['a string', 'eng'],
    ['a list with a number', ['eng', 3]],
    ['an object', { eng: true }],
  ])('refuses a groups claim that is %s, with the invalid_token challenge', async (_name, groups) => {
    const server = new OAuthResourceServer(config(), fakeIssuer().fetchImpl);
    const refusal = await server.authenticate(await token({ scope: 'quarry:read', groups })).catch((e) => e);
    expect(refusal).toBeInstanceOf(UnauthenticatedError);
    expect(refusal.message).toMatch(/groups claim/);
    expect(challengeOf(refusal)).toMatch(
      /^Bearer error="invalid_token", .*resource_metadata="https:\/\/quarry\.example\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
  });

  it('a token without a Quarry scope is forbidden with the insufficient_scope challenge', async () => {
    const server = new OAuthResourceServer(config(), fakeIssuer().fetchImpl);
    const refusal = await server.authenticate(await token({ scope: 'openid email' })).catch((e) => e);
    expect(refusal).toBeInstanceOf(InsufficientScopeError);
    expect(refusal.mapping.http).toBe(403);
    expect(challengeOf(refusal)).toMatch(/^Bearer error="insufficient_scope", .*scope="quarry:read"$/);
  });

  it('distrusts metadata that names another issuer (it could hand over other keys)', async () => {
    const server = new OAuthResourceServer(
      config(),
      fakeIssuer({ issuerInMetadata: 'https://evil.example' }).fetchImpl,
    );
    await expect(server.authenticate(await token({ scope: 'quarry:read' }))).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('an issuer that cannot be discovered is not asked again for every token', async () => {
    let asked = 0;
    const down = async () => {
      asked++;
      return new Response('', { status: 503 });
    };
    const server = new OAuthResourceServer(config(), down);
    for (let i = 0; i < 5; i++)
      await expect(server.authenticate(await token({ scope: 'quarry:read' }))).rejects.toBeInstanceOf(
        UnavailableError,
      );
    // One discovery (its three candidate URLs), not five.
    expect(asked).toBe(3);
  });

  it('discovers once: many tokens, one metadata fetch', async () => {
    const issuer = fakeIssuer();
    const server = new OAuthResourceServer(config(), issuer.fetchImpl);
    for (let i = 0; i < 5; i++) await server.authenticate(await token({ scope: 'quarry:read' }));
    expect(issuer.requests.filter((u) => !u.includes('oauth-authorization-server'))).toEqual([
      `${ISSUER}/.well-known/openid-configuration`,
    ]);
  });

  it('fetches the metadata from QUARRY_OAUTH_METADATA_URL when set, and still insists on the issuer it names', async () => {
    const requests: string[] = [];
    const internal = 'http://keycloak:8080/realms/quarry/.well-known/openid-configuration';
    const fetchImpl = async (url: string) => {
      requests.push(url);
      return url === internal
        ? Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/certs` })
        : new Response('', { status: 404 });
    };
    const server = new OAuthResourceServer(config({ metadataUrl: internal }), fetchImpl);
    expect(await server.authenticate(await token({ scope: 'quarry:read' }))).toMatchObject({
      role: 'reader',
    });
    expect(requests).toEqual([internal]);
  });

  it('an API key with dots in it is still a key when an issuer is configured', async () => {
    const resourceServer = new OAuthResourceServer(config(), fakeIssuer().fetchImpl);
    const auth = new Authenticator(
      [{ key: 'ops.key.0123', role: 'writer' }],
      undefined,
      undefined,
      resourceServer,
    );
    expect(await auth.authenticate({ authorization: 'Bearer ops.key.0123' })).toMatchObject({
      role: 'writer',
    });
    expect(
      await auth.authenticate({ authorization: `Bearer ${await token({ scope: 'quarry:read' })}` }),
    ).toMatchObject({ id: 'oauth:alice', role: 'reader' });
  });

  describe('opaque tokens (RFC 7662 introspection)', () => {
    const introspecting = (introspection: Record<string, unknown>) =>
      new OAuthResourceServer(
        config({ introspection: { clientId: 'quarry', clientSecret: 's3cret' } }),
        fakeIssuer({ introspection }).fetchImpl,
      );
    const exp = () => Math.floor(Date.now() / 1000) + 300;

    it('an active token for this resource is served', async () => {
      const server = introspecting({
        active: true,
        iss: ISSUER,
        aud: RESOURCE,
        sub: 'svc',
        scope: 'quarry:read',
        exp: exp(),
      });
      expect(await server.authenticate('opaque-token')).toMatchObject({ id: 'oauth:svc', role: 'reader' });
    });

    it('a client acting for itself (no sub) is the client, and names no user', async () => {
      const server = introspecting({
        active: true,
        iss: ISSUER,
        aud: RESOURCE,
        client_id: 'indexer',
        scope: 'quarry:read',
        exp: exp(),
      });
      const principal = await server.authenticate('opaque-token');
      expect(principal).toMatchObject({ id: 'oauth-client:indexer', role: 'reader', groups: [] });
      expect(principal.user).toBeUndefined();
    });

    it.each([
      ['inactive', { active: false }],
      [
        'for another resource',
        {
          active: true,
          iss: ISSUER,
          aud: 'https://other.example',
          sub: 'svc',
          scope: 'quarry:read',
          exp: exp(),
        },
      ],
      [
        'from another issuer',
        {
          active: true,
          iss: 'https://evil.example',
          aud: RESOURCE,
          sub: 'svc',
          scope: 'quarry:read',
          exp: exp(),
        },
      ],
      ['without exp', { active: true, iss: ISSUER, aud: RESOURCE, sub: 'svc', scope: 'quarry:read' }],
    ])('a token %s is refused', async (_name, answer) => {
      await expect(introspecting(answer).authenticate('opaque-token')).rejects.toBeInstanceOf(
        UnauthenticatedError,
      );
    });
  });
});
