import { resultSchemaOf } from '@quarry/core';
import { SearchHit, SearchResult } from './search.dto';

/** JSON Schemas of operation results, for MCP structuredContent (clients validate against them). */
const stringArray = { type: 'array', items: { type: 'string' } };

/** Derived from the result classes' `@Prop` declarations (the same ones GraphQL and OpenAPI show). */
export const SEARCH_HIT_SCHEMA = resultSchemaOf(SearchHit);

export const SEARCH_RESULT_SCHEMA = resultSchemaOf(SearchResult);

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
