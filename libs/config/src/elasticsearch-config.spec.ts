import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from './config';
import { cloudIdUrl, shapeOf } from './elasticsearch-config';

describe('Elasticsearch connection settings', () => {
  it('takes a comma-separated ELASTICSEARCH_URL as the list of nodes and sniffs it', () => {
    const config = loadConfig({
      ELASTICSEARCH_URL: 'http://127.0.0.1:19201, http://127.0.0.1:19202/,http://127.0.0.1:19203',
    });
    expect(config.elasticsearch?.nodes).toEqual([
      'http://127.0.0.1:19201',
      'http://127.0.0.1:19202',
      'http://127.0.0.1:19203',
    ]);
    expect(config.elasticsearch?.sniff).toBe(true);
    expect(config.elasticsearchUrl).toBe(
      'http://127.0.0.1:19201,http://127.0.0.1:19202,http://127.0.0.1:19203',
    );
  });

  it('does not sniff behind a single URL unless asked', () => {
    expect(loadConfig({ ELASTICSEARCH_URL: 'http://es:9200' }).elasticsearch?.sniff).toBe(false);
    expect(
      loadConfig({ ELASTICSEARCH_URL: 'http://es:9200', QUARRY_ES_SNIFF: 'true' }).elasticsearch?.sniff,
    ).toBe(true);
    expect(loadConfig({}).elasticsearch).toBeUndefined();
  });

  it('names the variable and the bad entry of a list', () => {
    expect(() => loadConfig({ ELASTICSEARCH_URL: 'http://a:9200,ftp://b' })).toThrow(
      /^ELASTICSEARCH_URL: must use http: or https:, got "ftp:" in "ftp:\/\/b"/,
    );
    expect(() => loadConfig({ QUARRY_ES_SNIFF: 'maybe', ELASTICSEARCH_URL: 'http://a:1' })).toThrow(
      /^QUARRY_ES_SNIFF: /,
    );
  });

  it('reads a cloud id, API key or basic auth, and a CA file', () => {
    const encoded = Buffer.from('us-east-1.aws.found.io$abc123$def456').toString('base64');
    expect(cloudIdUrl(`deployment:${encoded}`)).toBe('https://abc123.us-east-1.aws.found.io');
    const cloud = loadConfig({ ELASTIC_CLOUD_ID: `deployment:${encoded}`, ELASTICSEARCH_API_KEY: 'k3y' });
    expect(cloud.elasticsearch).toMatchObject({
      cloudId: `deployment:${encoded}`,
      auth: { apiKey: 'k3y' },
      sniff: false,
    });
    expect(cloud.elasticsearchUrl).toBe('https://abc123.us-east-1.aws.found.io');
    expect(() => loadConfig({ ELASTIC_CLOUD_ID: 'garbage' })).toThrow(/^ELASTIC_CLOUD_ID: /);
    expect(() =>
      loadConfig({ ELASTIC_CLOUD_ID: `d:${encoded}`, ELASTICSEARCH_URL: 'http://a:9200' }),
    ).toThrow(/^ELASTIC_CLOUD_ID: set either/);

    const basic = loadConfig({
      ELASTICSEARCH_URL: 'https://a:9200',
      ELASTICSEARCH_USERNAME: 'u',
      ELASTICSEARCH_PASSWORD: 'p',
    });
    expect(basic.elasticsearch?.auth).toEqual({ username: 'u', password: 'p' });
    expect(() => loadConfig({ ELASTICSEARCH_URL: 'https://a:9200', ELASTICSEARCH_USERNAME: 'u' })).toThrow(
      /^ELASTICSEARCH_PASSWORD: /,
    );
    expect(() =>
      loadConfig({
        ELASTICSEARCH_URL: 'https://a:9200',
        ELASTICSEARCH_API_KEY: 'k',
        ELASTICSEARCH_USERNAME: 'u',
        ELASTICSEARCH_PASSWORD: 'p',
      }),
    ).toThrow(/^ELASTICSEARCH_API_KEY: /);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-ca-'));
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(
      loadConfig({ ELASTICSEARCH_URL: 'https://a:9200', ELASTICSEARCH_CA_CERT: ca }).elasticsearch?.caCert,
    ).toContain('BEGIN CERTIFICATE');
    expect(() =>
      loadConfig({
        ELASTICSEARCH_URL: 'https://a:9200',
        ELASTICSEARCH_CA_CERT: path.join(dir, 'missing.pem'),
      }),
    ).toThrow(/^ELASTICSEARCH_CA_CERT: cannot read/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('index layout', () => {
  it('defaults to one shard and auto replicas (0-1), as before', () => {
    const layout = loadConfig({}).indexLayout;
    expect(shapeOf(layout, 'vectors')).toEqual({ shards: 1, replicas: 'auto' });
    expect(layout.replicasExplicit).toBe(false);
  });

  it('takes a default and per-index values', () => {
    const layout = loadConfig({
      QUARRY_INDEX_SHARDS: '3,meta=1',
      QUARRY_INDEX_REPLICAS: '1,vectors=2',
    }).indexLayout;
    expect(shapeOf(layout, 'docs')).toEqual({ shards: 3, replicas: 1 });
    expect(shapeOf(layout, 'vectors')).toEqual({ shards: 3, replicas: 2 });
    expect(shapeOf(layout, 'meta')).toEqual({ shards: 1, replicas: 1 });
    expect(layout.replicasExplicit).toBe(true);
  });

  it.each([
    [{ QUARRY_INDEX_SHARDS: '0' }, /^QUARRY_INDEX_SHARDS: must be a whole number 1-1024/],
    [{ QUARRY_INDEX_SHARDS: 'three' }, /^QUARRY_INDEX_SHARDS: /],
    [{ QUARRY_INDEX_SHARDS: 'chunks=3' }, /^QUARRY_INDEX_SHARDS: "chunks" is not an index/],
    [{ QUARRY_INDEX_REPLICAS: '-1' }, /^QUARRY_INDEX_REPLICAS: /],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
