import { loadConfig } from '@quarry/config';
import { createElasticsearchClient, setupIndices } from '@quarry/search';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';

const embedder = {
  model: {
    id: 'local:e5-small-v2',
    dims: 384,
    pooling: 'mean' as const,
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
  },
};

// Replicas stay 0 here: the shared test node is alone, and an unassignable replica would turn it yellow.
describe('shards and replicas from the configuration (real node)', () => {
  const prefix = uniquePrefix();
  const client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 10_000);

  afterAll(async () => {
    await dropIndices(prefix);
    await client.close();
  });

  async function shapeOf(alias: string) {
    const settings = await client.indices.getSettings({ index: alias, flat_settings: true });
    const [index] = Object.keys(settings);
    const flat = settings[index].settings as Record<string, string>;
    return {
      index,
      shards: Number(flat['index.number_of_shards']),
      replicas: Number(flat['index.number_of_replicas']),
    };
  }

  it('creates new indices with the configured shards (per index where given) and records them in the template', async () => {
    const layout = loadConfig({ QUARRY_INDEX_SHARDS: '2,meta=1', QUARRY_INDEX_REPLICAS: '0' }).indexLayout;
    await setupIndices(client, prefix, embedder, { layout });
    expect(await shapeOf(`${prefix}-docs`)).toMatchObject({ shards: 2, replicas: 0 });
    expect(await shapeOf(`${prefix}-vectors`)).toMatchObject({ shards: 2, replicas: 0 });
    expect(await shapeOf(`${prefix}-meta`)).toMatchObject({ shards: 1, replicas: 0 });
    const template = await client.indices.getIndexTemplate({ name: `${prefix}-vectors` });
    expect(template.index_templates[0].index_template._meta).toMatchObject({ shards: 2, replicas: 0 });
  });

  it('leaves the shards of an existing index alone and says how to change them', async () => {
    const layout = loadConfig({ QUARRY_INDEX_SHARDS: '3', QUARRY_INDEX_REPLICAS: '0' }).indexLayout;
    const results = await setupIndices(client, prefix, embedder, { layout });
    const vectors = results.find((r) => r.kind === 'vectors');
    expect(vectors?.action).toBe('exists');
    expect(vectors?.shardsMismatch).toMatch(/has 2 shard\(s\), QUARRY_INDEX_SHARDS asks for 3.*reindex/);
    expect(await shapeOf(`${prefix}-vectors`)).toMatchObject({ shards: 2 });
    // A new index version (what `quarry reindex --embeddings` creates) takes the new shape from the template.
    await client.indices.create({ index: `${prefix}-vectors-v99-test` });
    expect(await shapeOf(`${prefix}-vectors-v99-test`)).toMatchObject({ shards: 3, replicas: 0 });
  });
});
