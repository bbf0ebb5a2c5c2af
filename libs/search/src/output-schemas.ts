import { resultSchemaOf } from '@quarry/core';
import { CollectionList, DeleteResult, DocumentView, IngestResult } from './document.dto';
import { SearchHit, SearchResult } from './search.dto';

/**
 * JSON Schemas of operation results, for MCP structuredContent (clients validate against them),
 * derived from the result classes' `@Prop` declarations (the same ones GraphQL and OpenAPI show).
 */
export const SEARCH_HIT_SCHEMA = resultSchemaOf(SearchHit);

export const SEARCH_RESULT_SCHEMA = resultSchemaOf(SearchResult);

export const DOCUMENT_SCHEMA = resultSchemaOf(DocumentView);

export const INGEST_RESULT_SCHEMA = resultSchemaOf(IngestResult);

export const DELETE_RESULT_SCHEMA = resultSchemaOf(DeleteResult);

export const COLLECTIONS_SCHEMA = resultSchemaOf(CollectionList);
