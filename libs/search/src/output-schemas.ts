/** JSON Schemas of operation results, for MCP structuredContent (clients validate against them). */
const stringArray = { type: 'array', items: { type: 'string' } };
const facet = {
  type: 'array',
  items: {
    type: 'object',
    properties: { value: { type: 'string' }, count: { type: 'integer' } },
    required: ['value', 'count'],
  },
};

const retrieverPosition = {
  type: 'object',
  properties: { rank: { type: 'integer' }, score: { type: 'number' } },
  required: ['rank', 'score'],
};

export const SEARCH_HIT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    score: { type: 'number' },
    title: { type: ['string', 'null'] },
    snippet: { type: 'string' },
    highlights: stringArray,
    collection: { type: 'string' },
    tags: stringArray,
    metadata: { type: 'object' },
    location: {
      type: 'object',
      properties: {
        page: { type: 'integer' },
        heading: stringArray,
        lines: { type: 'array', items: { type: 'integer' } },
        chunk: { type: 'integer' },
      },
    },
    explain: {
      type: 'object',
      description:
        "with explain: true, where the hit stood in each retriever's list (null = not found there)",
      properties: {
        lexical: { oneOf: [retrieverPosition, { type: 'null' }] },
        semantic: { oneOf: [retrieverPosition, { type: 'null' }] },
        fusion: {
          type: 'object',
          properties: {
            method: { type: 'string', enum: ['rrf', 'relative'] },
            semanticRatio: { type: 'number' },
          },
        },
      },
      required: ['lexical', 'semantic'],
    },
  },
  required: ['id', 'score', 'title', 'snippet', 'highlights', 'collection', 'tags', 'metadata'],
};

export const SEARCH_RESULT_SCHEMA = {
  type: 'object',
  properties: {
    hits: { type: 'array', items: SEARCH_HIT_SCHEMA },
    total: { type: 'integer' },
    tookMs: { type: 'number' },
    mode: { type: 'string', enum: ['lexical', 'semantic', 'hybrid'] },
    facets: {
      type: 'object',
      properties: { collection: facet, tags: facet },
      required: ['collection', 'tags'],
    },
  },
  required: ['hits', 'total', 'tookMs', 'mode', 'facets'],
};

export const DOCUMENT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    collection: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'string' },
    tags: stringArray,
    source: { type: 'string' },
    metadata: { type: 'object' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    content_hash: { type: 'string' },
    chunk_count: { type: 'integer' },
    excerpt: { type: 'object' },
  },
  required: ['id', 'collection', 'body', 'tags', 'metadata', 'created_at', 'updated_at'],
};

export const INGEST_RESULT_SCHEMA = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          id: { type: 'string' },
          status: { type: 'string', enum: ['created', 'updated', 'unchanged', 'failed'] },
          chunks: { type: 'integer' },
          error: { type: 'string' },
          problems: { type: 'array', items: { type: 'object' } },
        },
        required: ['index', 'status'],
      },
    },
    indexed: { type: 'integer' },
    failed: { type: 'integer' },
    tookMs: { type: 'number' },
  },
  required: ['items', 'indexed', 'failed', 'tookMs'],
};

export const DELETE_RESULT_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, deleted: { type: 'boolean' } },
  required: ['id', 'deleted'],
};

export const COLLECTIONS_SCHEMA = {
  type: 'object',
  properties: {
    collections: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, documents: { type: 'integer' } },
        required: ['name', 'documents'],
      },
    },
  },
  required: ['collections'],
};
