import { modelDifferences, vectorIndexModel } from './vector-index-model';

const e5 = vectorIndexModel({
  id: 'local:e5-small-v2',
  dims: 384,
  pooling: 'mean',
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
});

describe('vector index model record', () => {
  it('records id, dimensions, pooling and both prefixes', () => {
    expect(e5).toEqual({
      embedder: 'local:e5-small-v2',
      dims: 384,
      pooling: 'mean',
      query_prefix: 'query: ',
      passage_prefix: 'passage: ',
    });
  });

  it('lists every difference, and none for the same model', () => {
    expect(modelDifferences(e5, e5)).toEqual([]);
    expect(
      modelDifferences(e5, {
        ...e5,
        embedder: 'local:bge-small-en-v1.5',
        pooling: 'cls',
        passage_prefix: '',
      }),
    ).toEqual([
      'model: "local:e5-small-v2" -> "local:bge-small-en-v1.5"',
      'pooling: "mean" -> "cls"',
      'passage prefix: "passage: " -> ""',
    ]);
  });

  it('compares only what an older index recorded', () => {
    expect(modelDifferences({ embedder: 'local:e5-small-v2', dims: 384 }, e5)).toEqual([]);
    expect(modelDifferences({ embedder: 'local:use-lite-512', dims: 512 }, e5)).toEqual([
      'model: "local:use-lite-512" -> "local:e5-small-v2"',
      'dimensions: 512 -> 384',
    ]);
  });
});
