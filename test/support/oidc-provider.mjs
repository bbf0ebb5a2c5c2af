// A real OAuth 2.1 / OpenID provider (oidc-provider, OpenID certified) for the OAuth tests, run
// as a child process because it is an ES module. It issues JWT access tokens for the resource
// named in QUARRY_TEST_RESOURCE (resource indicators, RFC 8707), logs users in without a form
// (the login_hint names the account) and rotates its signing key on request (IPC "rotate").
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const resource = process.env.QUARRY_TEST_RESOURCE;
const redirectUri = process.env.QUARRY_TEST_REDIRECT_URI;
/** The console's address when a test signs in through it (a public client of the browser). */
const consoleUri = process.env.QUARRY_TEST_CONSOLE_URI;

/** Who can sign in, the scopes each may be granted and the groups each token carries. */
const ACCOUNTS = {
  alice: { groups: ['eng'], scopes: ['quarry:read'] },
  harry: { groups: ['hr'], scopes: ['quarry:read'] },
  wendy: { groups: ['eng'], scopes: ['quarry:read', 'quarry:write'] },
  nobody: { groups: [], scopes: [] },
};
const SERVICE_GROUPS = { indexer: ['eng'] };

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: `key-${randomUUID().slice(0, 8)}`,
    alg: 'RS256',
    use: 'sig',
  };
}

// One store for every provider instance, so grants and refresh tokens survive a key rotation.
const store = new Map();
class SharedAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload) {
    store.set(this.key(id), payload);
    if (payload.uid) store.set(`uid:${payload.uid}`, id);
  }
  async find(id) {
    return store.get(this.key(id));
  }
  async findByUid(uid) {
    const id = store.get(`uid:${uid}`);
    return id ? this.find(id) : undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id) {
    const payload = store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const [key, value] of store) if (value && value.grantId === grantId) store.delete(key);
  }
}

let keys = [newKey()];
let provider;
let issuer;

function build() {
  provider = new Provider(issuer, {
    adapter: SharedAdapter,
    jwks: { keys },
    cookies: { keys: ['quarry-test-cookie-key-0123456789'] },
    clients: [
      {
        client_id: 'mcp-client',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: 'indexer',
        client_secret: 'indexer-secret-0123456789',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'quarry:read quarry:write',
      },
      ...(consoleUri
        ? [
            {
              client_id: 'quarry-console',
              token_endpoint_auth_method: 'none',
              redirect_uris: [consoleUri],
              grant_types: ['authorization_code'],
              response_types: ['code'],
            },
          ]
        : []),
      {
        // Its tokens are opaque: Quarry learns what they grant by introspection (RFC 7662).
        client_id: 'opaque-indexer',
        client_secret: 'opaque-indexer-secret-0123',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'quarry:read',
      },
      {
        client_id: 'quarry',
        client_secret: 'quarry-introspection-secret',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ['openid', 'offline_access', 'quarry:read', 'quarry:write', 'quarry:admin'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          if (indicator !== resource) throw new Provider.errors.InvalidTarget('unknown resource');
          return {
            scope: 'quarry:read quarry:write quarry:admin',
            audience: resource,
            accessTokenTTL: 300,
            accessTokenFormat: client.clientId === 'opaque-indexer' ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: async (_ctx, token) => {
      if (token.accountId) return { groups: ACCOUNTS[token.accountId]?.groups ?? [] };
      if (token.clientId in SERVICE_GROUPS) return { groups: SERVICE_GROUPS[token.clientId] };
      return undefined;
    },
    findAccount: async (_ctx, id) =>
      ACCOUNTS[id]
        ? { accountId: id, claims: async () => ({ sub: id, groups: ACCOUNTS[id].groups }) }
        : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 300,
      RefreshToken: 3600,
      ClientCredentials: 300,
    },
  });
}

/** The sign-in and consent pages, without pages: the login_hint signs in, consent grants what the account may have. */
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const account = details.params.login_hint || 'alice';
  if (details.prompt.name === 'login') {
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: account } },
      { mergeWithLastSubmission: false },
    );
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  const allowed = ACCOUNTS[details.session.accountId]?.scopes ?? [];
  // What the account may not have is refused (not asked again): the token carries the rest.
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.filter((scope) => allowed.includes(scope)).join(' '));
    grant.rejectResourceScope(indicator, scopes.filter((scope) => !allowed.includes(scope)).join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(
    req,
    res,
    { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true },
  );
}

const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
    return;
  }
  provider.callback()(req, res);
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  build();
  process.send({ type: 'ready', issuer, key: keys[0] });
});

process.on('message', (message) => {
  if (message.type === 'rotate') {
    // The new key signs from now on; the old one stays published so tokens already issued verify.
    keys = [newKey(), ...keys];
    build();
    process.send({ type: 'rotated', key: keys[0] });
  }
});
process.on('disconnect', () => process.exit(0));
