import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { COLLECTION_PATTERN, ID_PATTERN, LIMITS } from './limits';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsBoundedJsonObject } from './validators';

/** A document as every edge accepts it. */
export class DocumentInput {
  @ApiPropertyOptional({
    description: 'Stable id; generated when missing. Re-ingesting an id replaces the document.',
    maxLength: LIMITS.idLength,
  })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.idLength)
  @Matches(ID_PATTERN, {
    message: 'id may contain letters, digits and . _ : / % - and must start with a letter or digit',
  })
  id?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.titleLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.titleLength)
  title?: string;

  @ApiProperty({ description: 'The text to search', minLength: 1, maxLength: LIMITS.bodyLength })
  @IsString()
  @MinLength(1, { message: 'body must not be empty' })
  @MaxLength(LIMITS.bodyLength)
  body!: string;

  @ApiPropertyOptional({
    default: 'default',
    pattern: COLLECTION_PATTERN.source,
    maxLength: LIMITS.collectionLength,
  })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.collectionLength)
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection?: string;

  @ApiPropertyOptional({ type: [String], maxItems: LIMITS.tags })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.tags)
  @IsString({ each: true })
  @Length(1, LIMITS.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional({
    description: 'Where the document came from (URL, path)',
    maxLength: LIMITS.sourceLength,
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.sourceLength)
  source?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Free-form JSON, at most ${LIMITS.metadataBytes} bytes`,
  })
  @IsOptional()
  @IsBoundedJsonObject()
  @JSONSchema({ type: 'object', description: `free-form JSON, at most ${LIMITS.metadataBytes} bytes` })
  metadata?: Record<string, unknown>;
}

export class IndexDocumentsInput {
  @ApiProperty({ type: [DocumentInput], minItems: 1, maxItems: LIMITS.documentsPerBulk })
  // One document need not be wrapped in an array.
  @Transform(({ value }) => (value && typeof value === 'object' && !Array.isArray(value) ? [value] : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.documentsPerBulk)
  @JSONSchema({
    type: 'array',
    minItems: 1,
    maxItems: LIMITS.documentsPerBulk,
    description: 'documents: { id?, title?, body, collection?, tags?, source?, metadata? }',
    items: {
      type: 'object',
      required: ['body'],
      properties: {
        id: { type: 'string', maxLength: LIMITS.idLength },
        title: { type: 'string', maxLength: LIMITS.titleLength },
        body: { type: 'string', minLength: 1, maxLength: LIMITS.bodyLength },
        collection: { type: 'string', pattern: COLLECTION_PATTERN.source },
        tags: { type: 'array', items: { type: 'string' }, maxItems: LIMITS.tags },
        source: { type: 'string' },
        metadata: { type: 'object' },
      },
    },
  })
  documents!: unknown[];

  @ApiPropertyOptional({
    description: 'Wait until the documents are searchable before answering',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

export class DocumentIdInput {
  @ApiProperty()
  @IsString()
  @Length(1, LIMITS.idLength)
  id!: string;

  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

/** Ids of several documents (a GraphQL DataLoader batch: one per hit of a page). */
export class DocumentIdsInput {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.maxSize)
  @IsString({ each: true })
  @Length(1, LIMITS.idLength, { each: true })
  ids!: string[];
}

export type IngestStatus = 'created' | 'updated' | 'unchanged' | 'failed';

export class IngestResultItem {
  @ApiProperty({ description: 'Position of the document in the request' })
  index!: number;
  @ApiPropertyOptional()
  id?: string;
  @ApiProperty({ enum: ['created', 'updated', 'unchanged', 'failed'] })
  @IsIn(['created', 'updated', 'unchanged', 'failed'])
  status!: IngestStatus;
  @ApiPropertyOptional()
  chunks?: number;
  @ApiPropertyOptional({ description: 'Why this document failed' })
  error?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  problems?: { field: string; reason: string }[];
}

export class IngestResult {
  @ApiProperty({ type: [IngestResultItem] })
  @ValidateNested({ each: true })
  @Type(() => IngestResultItem)
  items!: IngestResultItem[];
  @ApiProperty()
  indexed!: number;
  @ApiProperty()
  failed!: number;
  @ApiProperty()
  tookMs!: number;
}
