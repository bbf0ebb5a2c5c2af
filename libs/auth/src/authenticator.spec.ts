import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { UnauthenticatedError } from '@quarry/core';
import { Authenticator, hashApiKey, type ApiKeyStore, type StoredApiKey } from './authenticator';

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const KEYS = [
  { key: 'reader-key-1', role: 'reader' as const },
  { key: 'writer-key-1', role: 'writer' as const, collections: ['runbooks'] },
];

/** The metadata index and the revocation list, in memory. */
class FakeKeyStore implements ApiKeyStore {
  keys: StoredApiKey[] = [];
  revoked = new Set<string>();
  async list() {
    return this.keys;
  }
  async isRevoked(hash: string) {
    return this.revoked.has(hash);
  }
}

function hs256(claims: JWTPayload, secret = SECRET, configure = (jwt: SignJWT) => jwt) {
  return configure(
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m'),
  ).sign(new TextEncoder().encode(secret));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  return (error as Error).message;
}

describe('Authenticator', () => {
  describe('protected mode (nothing configured)', () => {
    const auth = new Authenticator([], undefined);

    it('makes a loopback caller without credentials the local admin', async () => {
      expect(auth.protectedMode).toBe(true);
      await expect(auth.authenticate({ remoteAddress: '127.0.0.1' })).resolves.toEqual({
        id: 'local',
        role: 'admin',
        unmetered: true,
      });
      await expect(auth.authenticate({ remoteAddress: '::ffff:127.0.0.1' })).resolves.toMatchObject({
        id: 'local',
      });
    });

    it('refuses a caller from another machine', async () => {
      expect(await refusal(auth.authenticate({ remoteAddress: '10.0.0.7' }))).toMatch(/only loopback/);
    });
  });

  describe('configured API keys', () => {
    const auth = new Authenticator(KEYS, undefined);

    it('gives a valid key its role and collections, whichever header carries it', async () => {
      await expect(auth.authenticate(bearer('reader-key-1'))).resolves.toMatchObject({ role: 'reader' });
      await expect(auth.authenticate({ apiKey: 'writer-key-1' })).resolves.toMatchObject({
        role: 'writer',
        collections: ['runbooks'],
      });
    });

    it('names a key by its hash, never by the key itself', async () => {
      const principal = await auth.authenticate(bearer('reader-key-1'));
      expect(principal.id).toBe(`key:${hashApiKey('reader-key-1').slice(0, 12)}`);
      expect(JSON.stringify(principal)).not.toContain('reader-key-1');
    });

    it('refuses a missing, wrong or truncated key', async () => {
      expect(await refusal(auth.authenticate({ remoteAddress: '127.0.0.1' }))).toMatch(
        /credentials are required/,
      );
      expect(await refusal(auth.authenticate(bearer('reader-key-2')))).toBe('the API key is not valid');
      expect(await refusal(auth.authenticate(bearer('reader-key')))).toBe('the API key is not valid');
      expect(await refusal(auth.authenticate({ authorization: 'Basic cmVhZGVyLWtleS0x' }))).toMatch(
        /credentials are required/,
      );
    });

    it('treats a JWT as an unknown key when no JWT verification is configured', async () => {
      const token = await hs256({ sub: 'mallory', role: 'admin' });
      expect(await refusal(auth.authenticate(bearer(token)))).toBe('the API key is not valid');
    });
  });

  describe('keys created through the API', () => {
    it('accepts a stored key after reload and refuses it once revoked', async () => {
      const store = new FakeKeyStore();
      const auth = new Authenticator(KEYS, undefined, store);
      const key = 'qk_created-through-the-api';
      store.keys = [
        { id: 'k1', hash: hashApiKey(key), role: 'writer', collections: ['hr'], created_at: '2026-01-01' },
      ];
      expect(await refusal(auth.authenticate(bearer(key)))).toBe('the API key is not valid');
      await auth.reload();
      await expect(auth.authenticate(bearer(key))).resolves.toEqual({
        id: 'key:k1',
        role: 'writer',
        collections: ['hr'],
      });
      store.revoked.add(hashApiKey(key));
      expect(await refusal(auth.authenticate(bearer(key)))).toBe('the API key has been revoked');
    });

    it('keeps the newest list when an older reload answers last', async () => {
      const key = 'qk_created-while-another-reload-ran';
      let keys: StoredApiKey[] = [];
      let reads = 0;
      // The store answers its first read slowly, with the keys as they were when it was asked.
      const store: ApiKeyStore = {
        list: () => {
          const snapshot = keys;
          return new Promise((resolve) => setTimeout(() => resolve(snapshot), reads++ === 0 ? 20 : 0));
        },
        isRevoked: async () => false,
      };
      const auth = new Authenticator(KEYS, undefined, store);
      // An announcement from another instance starts a reload; then the key is created and the
      // creating instance reloads. The older read answers last, with the list before the key.
      const older = auth.reload();
      keys = [{ id: 'k3', hash: hashApiKey(key), role: 'reader', created_at: '2026-01-01' }];
      await Promise.all([older, auth.reload()]);
      await expect(auth.authenticate(bearer(key))).resolves.toMatchObject({ id: 'key:k3' });
    });
  });

  it('refuses a stored key whose scope list is empty rather than giving it every collection', async () => {
    const store = new FakeKeyStore();
    const auth = new Authenticator(KEYS, undefined, store);
    store.keys = [
      { id: 'k2', hash: hashApiKey('qk_empty'), role: 'reader', collections: [], created_at: '2026-01-01' },
    ];
    await auth.reload();
    expect(await refusal(auth.authenticate(bearer('qk_empty')))).toMatch(/non-empty list/);
  });

  describe('JWT (HS256)', () => {
    const auth = new Authenticator([], {
      secret: SECRET,
      issuer: 'https://idp.example',
      audience: 'quarry',
      allowNoExpiry: false,
    });
    const valid = (claims: JWTPayload = {}) =>
      hs256({ sub: 'alice', role: 'reader', collections: ['hr'], ...claims }, SECRET, (jwt) =>
        jwt.setIssuer('https://idp.example').setAudience('quarry'),
      );

    it('turns a valid token into a principal with its role and collections', async () => {
      expect(auth.protectedMode).toBe(false);
      await expect(auth.authenticate(bearer(await valid()))).resolves.toMatchObject({
        id: 'jwt:alice',
        role: 'reader',
        collections: ['hr'],
      });
    });

    it('refuses an expired token', async () => {
      const token = await hs256({ sub: 'alice', role: 'reader' }, SECRET, (jwt) =>
        jwt
          .setIssuer('https://idp.example')
          .setAudience('quarry')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60),
      );
      expect(await refusal(auth.authenticate(bearer(token)))).toBe('the token has expired');
    });

    it('refuses a token for another audience or from another issuer', async () => {
      const otherAudience = await hs256({ sub: 'alice', role: 'reader' }, SECRET, (jwt) =>
        jwt.setIssuer('https://idp.example').setAudience('another-service'),
      );
      expect(await refusal(auth.authenticate(bearer(otherAudience)))).toBe(
        "the token's aud claim is not accepted",
      );
      const otherIssuer = await hs256({ sub: 'alice', role: 'reader' }, SECRET, (jwt) =>
        jwt.setIssuer('https://evil.example').setAudience('quarry'),
      );
      expect(await refusal(auth.authenticate(bearer(otherIssuer)))).toBe(
        "the token's iss claim is not accepted",
      );
    });

    it('refuses a token signed with another secret, or re-signed with a raised role', async () => {
      const forged = await hs256(
        { sub: 'alice', role: 'admin' },
        'another-secret-of-at-least-32-characters',
        (jwt) => jwt.setIssuer('https://idp.example').setAudience('quarry'),
      );
      expect(await refusal(auth.authenticate(bearer(forged)))).toBe('the token is not valid');
      const [header, , signature] = (await valid()).split('.');
      const raised = Buffer.from(
        JSON.stringify({ sub: 'alice', role: 'admin', iss: 'https://idp.example', aud: 'quarry', exp: 9e9 }),
      ).toString('base64url');
      expect(await refusal(auth.authenticate(bearer(`${header}.${raised}.${signature}`)))).toBe(
        'the token is not valid',
      );
    });

    it('refuses an unsigned token (alg none)', async () => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({
        sub: 'mallory',
        role: 'admin',
        iss: 'https://idp.example',
        aud: 'quarry',
        exp: Math.floor(Date.now() / 1000) + 300,
      })}.`;
      expect(await refusal(auth.authenticate(bearer(unsigned)))).toBe('the token is not valid');
    });

    it('refuses claims of the wrong type instead of dropping them (fail closed)', async () => {
      for (const collections of ['hr', [], [7], ['HR!']])
        expect(await refusal(auth.authenticate(bearer(await valid({ collections }))))).toMatch(
          /collections claim must be a non-empty list/,
        );
      expect(await refusal(auth.authenticate(bearer(await valid({ role: 2 }))))).toMatch(/role claim/);
      expect(
        await refusal(auth.authenticate(bearer(await valid({ sub: 42 } as unknown as JWTPayload)))),
      ).toMatch(/sub claim/);
    });

    it('refuses a token without exp unless QUARRY_JWT_ALLOW_NO_EXP allows it', async () => {
      const noExp = await new SignJWT({ sub: 'alice', role: 'reader', collections: ['hr'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://idp.example')
        .setAudience('quarry')
        .sign(new TextEncoder().encode(SECRET));
      expect(await refusal(auth.authenticate(bearer(noExp)))).toMatch(/no exp claim/);
      const lenient = new Authenticator([], {
        secret: SECRET,
        issuer: 'https://idp.example',
        audience: 'quarry',
        allowNoExpiry: true,
      });
      const principal = await lenient.authenticate(bearer(noExp));
      expect(principal).toEqual({ id: 'jwt:alice', role: 'reader', collections: ['hr'], user: 'alice' });
    });

    it('reads the groups claim and sub as the principal groups and user; a groups claim of the wrong type is refused', async () => {
      await expect(
        auth.authenticate(bearer(await valid({ groups: ['eng', 'eng', 'ops'] }))),
      ).resolves.toMatchObject({
        groups: ['eng', 'ops'],
      });
      for (const groups of ['eng', [7], [''], { eng: true }])
        expect(
          await refusal(auth.authenticate(bearer(await valid({ groups } as unknown as JWTPayload)))),
        ).toMatch(/groups claim must be a list of group names/);
    });

    it('refuses a role claim that is not a Quarry role', async () => {
      expect(await refusal(auth.authenticate(bearer(await valid({ role: 'root' }))))).toBe(
        "the token's role claim must be one of reader, writer, admin",
      );
    });
  });

  describe('JWT (RS256)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const auth = new Authenticator([], { publicKey: pem, allowNoExpiry: false });

    it('accepts a token signed with the private key', async () => {
      const token = await new SignJWT({ sub: 'svc', role: 'writer' })
        .setProtectedHeader({ alg: 'RS256' })
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({
        id: 'jwt:svc',
        role: 'writer',
      });
    });

    it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
      const token = await hs256({ sub: 'mallory', role: 'admin' }, pem);
      expect(await refusal(auth.authenticate(bearer(token)))).toBe('the token is not valid');
    });
  });
});
