import { ObjectType, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { contractEnum, Prop } from '@quarry/contract';
import { COLLECTION_PATTERN, ID_PATTERN, LIMITS } from './limits';
import { HitLocation } from './search.dto';
import { IsBoundedJsonObject } from './validators';

/*
 * The document contract, declared once with `@Prop` (libs/contract): validation, OpenAPI,
 * GraphQL and the MCP JSON Schemas all come from these classes.
 */

/** Either list of a document's access: left out, or 1 to `accessEntries` names. */
const ACCESS_NAMES = {
  type: 'string',
  array: true,
  optional: true,
  minItems: 1,
  maxItems: LIMITS.accessEntries,
  minLength: 1,
  maxLength: LIMITS.accessNameLength,
} as const;

/** Who may read a document: members of any of the groups, and the users named. */
@ObjectType('DocumentAccess', {
  description: 'Who may read a document (absent: everyone who sees its collection).',
})
@InputType('DocumentAccessInput')
export class DocumentAccess {
  @Prop({
    ...ACCESS_NAMES,
    description: 'Groups whose members may read it (a writer may name only its own groups)',
  })
  groups?: string[];

  @Prop({
    ...ACCESS_NAMES,
    description: "Users who may read it (a token's sub; a writer may name only itself)",
  })
  users?: string[];
}

/** A document as every edge accepts it. */
@InputType('DocumentInput')
export class DocumentInput {
  @Prop({
    type: 'id',
    optional: true,
    minLength: 1,
    maxLength: LIMITS.idLength,
    pattern: {
      regex: ID_PATTERN,
      message: 'id may contain letters, digits and . _ : / % - and must start with a letter or digit',
    },
    description: 'Stable id; generated when missing. Re-ingesting an id replaces the document.',
  })
  id?: string;

  @Prop({ type: 'string', optional: true, maxLength: LIMITS.titleLength })
  title?: string;

  @Prop({
    type: 'string',
    minLength: 1,
    minLengthMessage: 'body must not be empty',
    maxLength: LIMITS.bodyLength,
    description: 'The text to search',
  })
  body!: string;

  @Prop({
    type: 'string',
    optional: true,
    minLength: 1,
    maxLength: LIMITS.collectionLength,
    pattern: { regex: COLLECTION_PATTERN, message: 'collection must be lowercase letters, digits, - and _' },
    default: 'default',
    description: 'Collection of the document',
  })
  collection?: string;

  @Prop({
    type: 'string',
    array: true,
    optional: true,
    maxItems: LIMITS.tags,
    minLength: 1,
    maxLength: LIMITS.tagLength,
    description: 'Tags (a search may require all of some tags)',
  })
  tags?: string[];

  @Prop({
    type: 'string',
    optional: true,
    maxLength: LIMITS.sourceLength,
    description: 'Where the document came from (URL, path)',
  })
  source?: string;

  @Prop({
    type: 'json',
    optional: true,
    validate: [IsBoundedJsonObject()],
    description: `Free-form JSON object, at most ${LIMITS.metadataBytes} bytes and ${LIMITS.metadataDepth} levels`,
  })
  metadata?: Record<string, unknown>;

  @Prop({
    type: () => DocumentAccess,
    optional: true,
    description: 'Who may read it; absent: everyone who sees its collection. Admins read every document.',
  })
  access?: DocumentAccess;
}

export class IndexDocumentsInput {
  // One document need not be wrapped in an array.
  @Transform(({ value }) => (value && typeof value === 'object' && !Array.isArray(value) ? [value] : value))
  @Prop({
    type: () => DocumentInput,
    array: true,
    minItems: 1,
    maxItems: LIMITS.documentsPerBulk,
    itemsCheckedLater: true,
    description: 'The documents (one alone need not be in a list); each gets its own result',
  })
  documents!: unknown[];

  @Prop({
    type: 'boolean',
    optional: true,
    default: false,
    description: 'Wait until the documents are searchable before answering',
  })
  wait?: boolean;
}

export class DocumentIdInput {
  @Prop({ type: 'id', minLength: 1, maxLength: LIMITS.idLength, description: 'the document id' })
  id!: string;

  @Prop({
    type: 'boolean',
    optional: true,
    default: false,
    description: 'answer once the change is searchable',
  })
  wait?: boolean;
}

/** Ids of several documents (a GraphQL DataLoader batch: one per hit of a page). */
export class DocumentIdsInput {
  @Prop({
    type: 'id',
    array: true,
    minItems: 1,
    maxItems: LIMITS.maxSize,
    minLength: 1,
    maxLength: LIMITS.idLength,
  })
  ids!: string[];
}

export const INGEST_STATUSES = ['created', 'updated', 'unchanged', 'failed'] as const;
export type IngestStatus = (typeof INGEST_STATUSES)[number];
export const INGEST_STATUS = contractEnum('IngestStatus', INGEST_STATUSES);

/** One problem with one input field: what the client sent wrong and why. */
@ObjectType('FieldProblem')
export class FieldProblemResult {
  @Prop({ type: 'string', description: 'the field, as a path (`documents[2].body`)' })
  field!: string;

  @Prop({ type: 'string' })
  reason!: string;
}

@ObjectType('IngestResultItem')
export class IngestResultItem {
  @Prop({ type: 'int', description: 'position of the document in the request' })
  index!: number;

  @Prop({ type: 'id', optional: true })
  id?: string;

  @Prop({ type: INGEST_STATUS })
  status!: IngestStatus;

  @Prop({ type: 'int', optional: true, description: 'chunks embedded for semantic search' })
  chunks?: number;

  @Prop({ type: 'string', optional: true, description: 'why this document failed' })
  error?: string;

  @Prop({ type: () => FieldProblemResult, array: true, optional: true })
  problems?: { field: string; reason: string }[];
}

@ObjectType('IngestResult')
export class IngestResult {
  @Prop({ type: () => IngestResultItem, array: true, description: 'one per document, in request order' })
  items!: IngestResultItem[];

  @Prop({ type: 'int' })
  indexed!: number;

  @Prop({ type: 'int' })
  failed!: number;

  @Prop({ type: 'int' })
  tookMs!: number;
}

@ObjectType('DeleteResult')
export class DeleteResult {
  @Prop({ type: 'id' })
  id!: string;

  @Prop({ type: 'boolean' })
  deleted!: boolean;
}

@ObjectType('Collection')
export class CollectionCount {
  @Prop({ type: 'string' })
  name!: string;

  @Prop({ type: 'int', description: 'documents in it' })
  documents!: number;
}

/** What list_collections answers. */
export class CollectionList {
  @Prop({ type: () => CollectionCount, array: true })
  collections!: CollectionCount[];
}

/** One chunk a partial read included, and where it sits in the body. */
export class ExcerptChunk {
  @Prop({ type: 'int' })
  chunk!: number;

  @Prop({ type: () => HitLocation, optional: true })
  location?: HitLocation;
}

/** Which part of the body a partial read returned. */
export class DocumentExcerpt {
  @Prop({ type: 'int', description: 'first character of the body returned' })
  start!: number;

  @Prop({ type: 'int', description: 'character after the last one returned' })
  end!: number;

  @Prop({ type: 'int' })
  bodyLength!: number;

  @Prop({ type: 'boolean' })
  truncated!: boolean;

  @Prop({ type: () => ExcerptChunk, array: true, optional: true, description: 'the chunks included' })
  chunks?: ExcerptChunk[];
}

const ISO_8601 = 'ISO 8601';

/**
 * A document as get_document, GET /v1/documents/:id and the document resources answer it: the
 * fields as stored (snake_case). Only what every stored document has is required, so a client
 * validating the answer accepts documents written by older versions.
 */
export class DocumentView {
  @Prop({ type: 'id' })
  id!: string;

  @Prop({ type: 'string' })
  collection!: string;

  @Prop({ type: 'string', optional: true })
  title?: string;

  @Prop({ type: 'string', description: 'the whole body, or the part `excerpt` says' })
  body!: string;

  @Prop({ type: 'string', array: true })
  tags!: string[];

  @Prop({ type: 'string', optional: true, description: 'where the document came from (URL, path)' })
  source?: string;

  @Prop({ type: 'json' })
  metadata!: Record<string, unknown>;

  @Prop({
    type: () => DocumentAccess,
    optional: true,
    description: 'who may read it; absent: everyone who sees its collection',
  })
  access?: DocumentAccess;

  @Prop({ type: 'string', description: ISO_8601 })
  created_at!: string;

  @Prop({ type: 'string', description: ISO_8601 })
  updated_at!: string;

  @Prop({
    type: 'string',
    optional: true,
    description: 'hash of the indexed content (a document sent again unchanged is not rewritten)',
  })
  content_hash?: string;

  @Prop({ type: 'int', optional: true, description: 'chunks embedded for semantic search' })
  chunk_count?: number;

  @Prop({
    type: () => DocumentExcerpt,
    optional: true,
    description: 'set when only part of the body was asked for (chunk, offset, maxChars)',
  })
  excerpt?: DocumentExcerpt;
}
