import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, testConfig } from '../support/test-env';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const KEYS = 'admin-key-0123:admin,ops-admin-0123:admin:ops';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A token signed with the trusted secret: whoever can mint tokens for the issuer chooses the claims. */
function mint(claims: JWTPayload, expires: boolean | number = true): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuedAt();
  if (expires !== false) jwt.setExpirationTime(expires === true ? '5m' : expires);
  return jwt.sign(new TextEncoder().encode(JWT_SECRET));
}

/** Ids of the documents a caller sees when it lists every collection. */
async function visibleIds(server: RunningServer, token: string): Promise<{ status: number; ids: string[] }> {
  const answer = await call(server.url, 'GET', '/v1/documents?size=100', undefined, bearer(token));
  return {
    status: answer.status,
    ids: ((answer.body?.documents ?? []) as { id: string }[]).map((d) => d.id).sort(),
  };
}

async function seed(server: RunningServer): Promise<void> {
  const seeded = await call(
    server.url,
    'POST',
    '/v1/documents?wait=true',
    [
      { id: 'claims-hr', collection: 'hr', title: 'Salaries', body: 'The salary bands of every employee.' },
      {
        id: 'claims-ops',
        collection: 'ops',
        title: 'Disk full',
        body: 'Rotate the logs when the disk is full.',
      },
    ],
    bearer('admin-key-0123'),
  );
  expect(seeded.status).toBe(200);
}

// Claims of the wrong type, or an empty scope, must refuse the token, never widen it.
describe('token claims and scoped admins fail closed', () => {
  let server: RunningServer;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'quarry-claims-'));
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: KEYS, QUARRY_JWT_SECRET: JWT_SECRET, QUARRY_RATE_LIMIT_READ: '0' }),
    );
    await seed(server);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    await rm(folder, { recursive: true, force: true });
  });

  it('a well-formed scoped token sees its collections only (the baseline the attacks are measured on)', async () => {
    expect(await visibleIds(server, await mint({ role: 'reader', collections: ['ops'] }))).toEqual({
      status: 200,
      ids: ['claims-ops'],
    });
  });

  it.each([
    ['collections as a string', { role: 'reader', collections: 'ops' }, /collections claim/],
    ['an empty collections list', { role: 'reader', collections: [] }, /collections claim/],
    ['collections that are not names', { role: 'reader', collections: [42, {}] }, /collections claim/],
    ['a number role', { role: 3, collections: ['ops'] }, /role claim/],
    ['a list role', { role: ['admin'] }, /role claim/],
  ])('refuses a token with %s (401)', async (_case, claims, reason) => {
    const answer = await visibleIds(server, await mint(claims as JWTPayload));
    expect(answer).toEqual({ status: 401, ids: [] });
    const again = await call(
      server.url,
      'GET',
      '/v1/collections',
      undefined,
      bearer(await mint(claims as JWTPayload)),
    );
    expect(again.status).toBe(401);
    expect(JSON.stringify(again.body)).toMatch(reason);
  });

  it('refuses a token without exp: it would never expire', async () => {
    const answer = await call(
      server.url,
      'GET',
      '/v1/collections',
      undefined,
      bearer(await mint({ role: 'reader', collections: ['ops'] }, false)),
    );
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).toMatch(/exp/);
  });

  it('an admin key scoped to ops can neither read nor write hr', async () => {
    const ops = bearer('ops-admin-0123');
    expect(await visibleIds(server, 'ops-admin-0123')).toEqual({ status: 200, ids: ['claims-ops'] });
    expect((await call(server.url, 'GET', '/v1/documents/claims-hr', undefined, ops)).status).toBe(404);
    const write = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id: 'claims-hr', collection: 'hr', body: 'overwritten' }],
      ops,
    );
    expect(JSON.stringify(write.body)).not.toMatch(/"status":"(indexed|updated)"/);
    const deleted = await call(server.url, 'DELETE', '/v1/collections/hr', undefined, ops);
    expect(deleted.status).toBe(403);
    const stored = await call(
      server.url,
      'GET',
      '/v1/documents/claims-hr',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(stored.body).toMatchObject({ collection: 'hr', body: 'The salary bands of every employee.' });
  });

  it('an admin key scoped to ops cannot define or remove sources of hr, nor mint keys', async () => {
    const ops = bearer('ops-admin-0123');
    const source = { name: 'claims-hr-files', type: 'directory', collection: 'hr', path: folder };
    const added = await call(server.url, 'POST', '/v1/sources', source, ops);
    expect(added.status).toBe(403);
    expect(JSON.stringify(added.body)).toMatch(/hr/);
    const byAdmin = await call(server.url, 'POST', '/v1/sources', source, bearer('admin-key-0123'));
    expect(byAdmin.status).toBe(201);
    expect((await call(server.url, 'DELETE', '/v1/sources/claims-hr-files', undefined, ops)).status).toBe(
      403,
    );
    const minted = await call(server.url, 'POST', '/v1/keys', { name: 'escalated', role: 'admin' }, ops);
    expect(minted.status).toBe(403);
    expect((await call(server.url, 'GET', '/v1/keys', undefined, ops)).status).toBe(403);
    // Its own collection stays its to manage.
    const own = await call(
      server.url,
      'POST',
      '/v1/sources',
      { name: 'claims-ops-files', type: 'directory', collection: 'ops', path: folder },
      ops,
    );
    expect(own.status).toBe(201);
  });

  it('an unscoped admin cannot create a key with an empty scope list (it would read as every collection)', async () => {
    const created = await call(
      server.url,
      'POST',
      '/v1/keys',
      { name: 'empty-scope', role: 'reader', collections: [] },
      bearer('admin-key-0123'),
    );
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toMatch(/collections/);
  });
});

describe('QUARRY_JWT_ALLOW_NO_EXP=true', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_API_KEYS: KEYS,
        QUARRY_JWT_SECRET: JWT_SECRET,
        QUARRY_JWT_ALLOW_NO_EXP: 'true',
        QUARRY_RATE_LIMIT_READ: '0',
      }),
    );
    await seed(server);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
  });

  it('accepts a token without exp, still within its scope, and still refuses malformed claims', async () => {
    expect(await visibleIds(server, await mint({ role: 'reader', collections: ['ops'] }, false))).toEqual({
      status: 200,
      ids: ['claims-ops'],
    });
    expect((await visibleIds(server, await mint({ role: 'reader', collections: 'ops' }, false))).status).toBe(
      401,
    );
  });
});
