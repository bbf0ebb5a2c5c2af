import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsBoolean,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { COLLECTION_PATTERN } from '@quarry/search';

export const SOURCE_TYPES = ['directory', 'http-json', 'web'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const EVERY_PATTERN = /^[1-9]\d{0,5}[smhd]$/;

/** `every` in milliseconds. */
export function everyMs(every: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[every.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(every.slice(0, -1)) * unit;
}

/** How a paginated JSON API is walked. */
export interface Pagination {
  /** `page`: ?<param>=1,2,3... until a page has no items; `cursor`: ?<param>=<value at nextPath> until there is none. */
  type: 'page' | 'cursor' | 'none';
  param?: string;
  start?: number;
  nextPath?: string;
}

/** Where each document field is found in an API item (dotted paths). */
export interface FieldMapping {
  id: string;
  body: string;
  title?: string;
  tags?: string;
  url?: string;
}

export class SourceInput {
  @ApiProperty({
    pattern: SOURCE_NAME_PATTERN.source,
    description: 'Unique name; document ids start with it',
  })
  @IsString()
  @Matches(SOURCE_NAME_PATTERN, { message: 'name must be 1-64 lowercase letters, digits, - and _' })
  name!: string;

  @ApiProperty({ enum: SOURCE_TYPES })
  @IsIn(SOURCE_TYPES as unknown as string[])
  type!: SourceType;

  @ApiProperty({ pattern: COLLECTION_PATTERN.source })
  @IsString()
  @Length(1, 64)
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection!: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'directory: the folder to index (absolute, on the server)' })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  path?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'directory: globs of files to index (all when absent)',
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  include?: string[];

  @ApiPropertyOptional({ type: [String], description: 'directory: globs of files to leave out' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  exclude?: string[];

  @ApiPropertyOptional({
    description: 'http-json: the first page URL; web: the start page or sitemap (http or https)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'url must be an http(s) URL' })
  url?: string;

  @ApiPropertyOptional({ description: 'http-json: request headers (an Authorization header, say)' })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description: 'http-json: dotted path of the item array in a page ("data"); the page itself when absent',
  })
  @IsOptional()
  @IsString()
  itemsPath?: string;

  @ApiPropertyOptional({ description: 'http-json: { type: "page"|"cursor"|"none", param, start, nextPath }' })
  @IsOptional()
  @IsObject()
  pagination?: Pagination;

  @ApiPropertyOptional({
    description: 'http-json: { id, body, title?, tags?, url? } dotted paths in an item',
  })
  @IsOptional()
  @IsObject()
  mapping?: FieldMapping;

  @ApiPropertyOptional({
    description: 'sync on a schedule: "30s", "15m", "1h", "1d" (one instance at a time runs it)',
    pattern: EVERY_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(EVERY_PATTERN, { message: 'every must be a number and a unit: 30s, 15m, 1h, 1d' })
  every?: string;

  @ApiPropertyOptional({ description: 'web: url is a sitemap (its <loc> URLs are the start pages)' })
  @IsOptional()
  @IsBoolean()
  sitemap?: boolean;

  @ApiPropertyOptional({ description: 'web: links followed from a start page at most', default: 3 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  maxDepth?: number;

  @ApiPropertyOptional({ description: 'web: pages fetched at most per sync', default: 500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxPages?: number;

  @ApiPropertyOptional({ description: 'http-json, web: requests per second at most', default: 5 })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(100)
  requestsPerSecond?: number;

  @ApiPropertyOptional({
    description: 'http-json: retries of a failed request (429, 5xx, network)',
    default: 4,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  maxRetries?: number;
}

export type SourceDefinition = SourceInput & { created_at: string; last_job?: string; last_sync?: string };

export class SourceNameInput {
  @ApiProperty()
  @IsString()
  @Matches(SOURCE_NAME_PATTERN, { message: 'name must be 1-64 lowercase letters, digits, - and _' })
  name!: string;
}

export class SyncSourceInput extends SourceNameInput {
  @ApiPropertyOptional({ description: 'answer when the job ends, with its final state' })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}
