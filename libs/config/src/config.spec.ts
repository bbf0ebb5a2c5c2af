import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.elasticsearchUrl).toBeUndefined();
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.redisUrlExplicit).toBe(false);
    expect(config.embedder).toEqual({ kind: 'local', model: 'e5-small-v2' });
  });

  it.each(['abc', '0', '70000', '3000x', '-1'])('rejects PORT=%s naming the variable', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: port })).toThrow(/^PORT: must be a port number/);
  });

  it('rejects a malformed ELASTICSEARCH_URL', () => {
    expect(() => loadConfig({ ELASTICSEARCH_URL: 'not a url' })).toThrow(/^ELASTICSEARCH_URL: /);
    expect(() => loadConfig({ ELASTICSEARCH_URL: 'ftp://x' })).toThrow(/^ELASTICSEARCH_URL: must use/);
  });

  it('parses API keys and rejects unknown roles', () => {
    expect(loadConfig({ QUARRY_API_KEYS: 'reader-key-1:reader,admin-key-1:admin' }).apiKeys).toEqual([
      { key: 'reader-key-1', role: 'reader' },
      { key: 'admin-key-1', role: 'admin' },
    ]);
    expect(() => loadConfig({ QUARRY_API_KEYS: 'some-key-1:root' })).toThrow(
      /^QUARRY_API_KEYS: role must be/,
    );
  });

  it('parses the groups of API keys (key:role:collections:groups, * = every collection)', () => {
    expect(
      loadConfig({ QUARRY_API_KEYS: 'eng-key-01:reader:*:eng|dev,ops-key-01:writer:ops:ops|ops' }).apiKeys,
    ).toEqual([
      { key: 'eng-key-01', role: 'reader', groups: ['eng', 'dev'] },
      { key: 'ops-key-01', role: 'writer', collections: ['ops'], groups: ['ops'] },
    ]);
    expect(() => loadConfig({ QUARRY_API_KEYS: 'eng-key-01:reader:*:' })).toThrow(/empty group list/);
    expect(() => loadConfig({ QUARRY_API_KEYS: 'eng-key-01:reader::eng' })).toThrow(/empty collection list/);
    expect(() => loadConfig({ QUARRY_API_KEYS: 'eng-key-01:reader:*:eng:x' })).toThrow(
      /^QUARRY_API_KEYS: each entry/,
    );
  });

  it('refuses a non-loopback bind without keys (protected mode)', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/^HOST: binding to non-loopback/);
    expect(loadConfig({ HOST: '0.0.0.0', QUARRY_API_KEYS: 'admin-key-1:admin' }).host).toBe('0.0.0.0');
  });

  it('requires URL and model for the openai embedder', () => {
    expect(() => loadConfig({ QUARRY_EMBEDDER: 'openai' })).toThrow(/^QUARRY_EMBEDDER_URL: is required/);
    expect(() =>
      loadConfig({ QUARRY_EMBEDDER: 'openai', QUARRY_EMBEDDER_URL: 'http://127.0.0.1:1' }),
    ).toThrow(/^QUARRY_EMBEDDER_MODEL: is required/);
    expect(() => loadConfig({ QUARRY_EMBEDDER: 'magic' })).toThrow(/^QUARRY_EMBEDDER: must be/);
  });

  it('picks a local model by QUARRY_EMBEDDER_MODEL: a catalog id or a model directory', () => {
    expect(loadConfig({ QUARRY_EMBEDDER_MODEL: 'BGE-small-en-v1.5' }).embedder).toEqual({
      kind: 'local',
      model: 'bge-small-en-v1.5',
    });
    expect(loadConfig({ QUARRY_EMBEDDER_MODEL: '/models/my-model' }).embedder).toEqual({
      kind: 'local',
      model: '/models/my-model',
    });
    expect(() => loadConfig({ QUARRY_EMBEDDER_MODEL: 'use-lite' })).toThrow(
      /^QUARRY_EMBEDDER_MODEL: must be one of e5-small-v2, bge-small-en-v1.5, all-minilm-l6-v2/,
    );
  });

  it('reads LOG_FORMAT: json or pretty, nothing else', () => {
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(['json', 'pretty']).toContain(loadConfig({}).logFormat);
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(
      /^LOG_FORMAT: must be json or pretty, got "yaml"$/,
    );
  });

  it('keeps an explicit REDIS_URL', () => {
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6390');
    expect(config.redisUrlExplicit).toBe(true);
  });
});
