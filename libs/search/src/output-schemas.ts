import { resultSchemaOf } from '@quarry/core';
import { CollectionList, DeleteResult, DocumentAccess, IngestResult } from './document.dto';
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
    access: resultSchemaOf(DocumentAccess),
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    content_hash: { type: 'string' },
    chunk_count: { type: 'integer' },
    excerpt: { type: 'object' },
  },
  required: ['id', 'collection', 'body', 'tags', 'metadata', 'created_at', 'updated_at'],
};

export const INGEST_RESULT_SCHEMA = resultSchemaOf(IngestResult);

export const DELETE_RESULT_SCHEMA = resultSchemaOf(DeleteResult);

export const COLLECTIONS_SCHEMA = resultSchemaOf(CollectionList);
