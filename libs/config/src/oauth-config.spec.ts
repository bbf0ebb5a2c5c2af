import { loadConfig } from './config';

describe('OAuth resource server configuration', () => {
  it('has no issuer by default, and a public URL made of HOST and PORT', () => {
    const config = loadConfig({ PORT: '4123' });
    expect(config.oauth).toBeUndefined();
    expect(config.publicUrl).toBe('http://127.0.0.1:4123');
  });

  it('derives the resource from QUARRY_PUBLIC_URL and reads the groups claim', () => {
    const config = loadConfig({
      QUARRY_PUBLIC_URL: 'https://quarry.example.com/',
      QUARRY_OAUTH_ISSUER: 'https://login.example.com/realms/quarry',
      QUARRY_OAUTH_GROUPS_CLAIM: 'realm_access.groups',
    });
    expect(config.publicUrl).toBe('https://quarry.example.com');
    expect(config.oauth).toEqual({
      issuer: 'https://login.example.com/realms/quarry',
      resource: 'https://quarry.example.com/mcp',
      audiences: ['https://quarry.example.com/mcp'],
      groupsClaim: 'realm_access.groups',
      jwksCooldownSeconds: 30,
    });
  });

  it('takes an audience override and introspection credentials', () => {
    const oauth = loadConfig({
      QUARRY_OAUTH_ISSUER: 'https://login.example.com',
      QUARRY_OAUTH_AUDIENCE: 'api://quarry,quarry',
      QUARRY_OAUTH_CLIENT_ID: 'quarry',
      QUARRY_OAUTH_CLIENT_SECRET: 'secret',
    }).oauth;
    expect(oauth?.audiences).toEqual(['api://quarry', 'quarry']);
    expect(oauth?.introspection).toEqual({ clientId: 'quarry', clientSecret: 'secret' });
  });

  it('keeps the issuer exactly as given, trailing slash included (Auth0 issues tokens that way)', () => {
    expect(loadConfig({ QUARRY_OAUTH_ISSUER: 'https://tenant.eu.auth0.com/' }).oauth?.issuer).toBe(
      'https://tenant.eu.auth0.com/',
    );
  });

  it('accepts an issuer as the credentials of a non-loopback bind', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/^HOST:/);
    expect(loadConfig({ HOST: '0.0.0.0', QUARRY_OAUTH_ISSUER: 'https://login.example.com' }).host).toBe(
      '0.0.0.0',
    );
  });

  it.each([
    [{ QUARRY_OAUTH_ISSUER: 'http://login.example.com' }, /^QUARRY_OAUTH_ISSUER: must use https/],
    [{ QUARRY_OAUTH_ISSUER: 'not a url' }, /^QUARRY_OAUTH_ISSUER: is not a valid URL/],
    [
      { QUARRY_OAUTH_ISSUER: 'https://login.example.com', QUARRY_OAUTH_CLIENT_ID: 'q' },
      /^QUARRY_OAUTH_CLIENT_SECRET/,
    ],
    [
      { QUARRY_OAUTH_ISSUER: 'https://login.example.com', QUARRY_OAUTH_GROUPS_CLAIM: 'a b' },
      /^QUARRY_OAUTH_GROUPS_CLAIM/,
    ],
    [{ QUARRY_PUBLIC_URL: 'ftp://quarry' }, /^QUARRY_PUBLIC_URL/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('allows plain http for a loopback issuer, or on a private network when told so', () => {
    expect(loadConfig({ QUARRY_OAUTH_ISSUER: 'http://127.0.0.1:8080/realms/q' }).oauth?.issuer).toBe(
      'http://127.0.0.1:8080/realms/q',
    );
    expect(
      loadConfig({ QUARRY_OAUTH_ISSUER: 'http://keycloak:8080/realms/q', QUARRY_OAUTH_ALLOW_HTTP: 'true' })
        .oauth?.issuer,
    ).toBe('http://keycloak:8080/realms/q');
  });
});
