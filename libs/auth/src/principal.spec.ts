import { resolvePrincipal } from './principal';

describe('resolvePrincipal', () => {
  it('treats loopback callers as admin when no keys are configured (protected mode)', () => {
    expect(resolvePrincipal({ remoteAddress: '127.0.0.1' }, [])).toEqual({
      id: 'local',
      role: 'admin',
      unmetered: true,
    });
    expect(resolvePrincipal({ remoteAddress: '::ffff:127.0.0.1' }, [])).toEqual({
      id: 'local',
      role: 'admin',
      unmetered: true,
    });
    expect(() => resolvePrincipal({ remoteAddress: '10.1.2.3' }, [])).toThrow(/only loopback callers/);
  });

  it('requires a valid key when keys are configured', () => {
    const keys = [{ key: 'reader-secret-1', role: 'reader' as const }];
    expect(resolvePrincipal({ authorization: 'Bearer reader-secret-1' }, keys).role).toBe('reader');
    expect(resolvePrincipal({ apiKey: 'reader-secret-1' }, keys).role).toBe('reader');
    expect(() => resolvePrincipal({}, keys)).toThrow(/API key is required/);
    expect(() => resolvePrincipal({ apiKey: 'reader-secret-2' }, keys)).toThrow(/not valid/);
  });

  it('never puts the key itself into the principal id', () => {
    const principal = resolvePrincipal({ apiKey: 'reader-secret-1' }, [
      { key: 'reader-secret-1', role: 'reader' },
    ]);
    expect(principal.id).not.toContain('reader-secret-1');
  });
});
