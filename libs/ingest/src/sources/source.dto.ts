import { IsIn } from 'class-validator';
import { Prop } from '@quarry/contract';
import { COLLECTION_PATTERN, DocumentAccess } from '@quarry/search';

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
  /** A list of group names, or `{ groups, users }`: who may read the item's document. */
  access?: string;
}

/** A source as an admin registers it (REST, GraphQL, MCP, CLI), declared once with `@Prop`. */
export class SourceInput {
  @Prop({
    type: 'string',
    pattern: { regex: SOURCE_NAME_PATTERN, message: 'name must be 1-64 lowercase letters, digits, - and _' },
    description: 'Unique name; document ids start with it',
  })
  name!: string;

  @Prop({
    type: 'string',
    validate: [IsIn(SOURCE_TYPES as unknown as string[])],
    schema: { enum: [...SOURCE_TYPES] },
    description:
      'directory (a folder on the server), http-json (a paginated JSON API) or web (pages and links)',
  })
  type!: SourceType;

  @Prop({
    type: 'string',
    minLength: 1,
    maxLength: 64,
    pattern: { regex: COLLECTION_PATTERN, message: 'collection must be lowercase letters, digits, - and _' },
    description: 'the collection its documents go to',
  })
  collection!: string;

  @Prop({ type: 'string', array: true, optional: true, maxItems: 50, description: 'tags of every document' })
  tags?: string[];

  @Prop({
    type: () => DocumentAccess,
    optional: true,
    description:
      'who may read its documents (directory: files no accessByPath glob matches; http-json: items, unless mapping.access); absent: everyone who sees the collection',
  })
  access?: DocumentAccess;

  @Prop({
    type: 'json',
    optional: true,
    schema: {
      maxProperties: 100,
      additionalProperties: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        maxItems: 100,
      },
    },
    description:
      'directory: glob of paths → the groups that may read those files (the first glob that matches decides; others take `access`)',
  })
  accessByPath?: Record<string, string[]>;

  @Prop({
    type: 'string',
    optional: true,
    minLength: 1,
    maxLength: 4096,
    description: 'directory: the folder to index (absolute, on the server)',
  })
  path?: string;

  @Prop({
    type: 'string',
    array: true,
    optional: true,
    description: 'directory: globs of files to index (all when absent)',
  })
  include?: string[];

  @Prop({
    type: 'string',
    array: true,
    optional: true,
    description: 'directory: globs of files to leave out',
  })
  exclude?: string[];

  @Prop({
    type: 'string',
    optional: true,
    pattern: { regex: /^https?:\/\/\S+$/, message: 'url must be an http(s) URL' },
    description: 'http-json: the first page URL; web: the start page or sitemap (http or https)',
  })
  url?: string;

  @Prop({
    type: 'json',
    optional: true,
    schema: { additionalProperties: { type: 'string' } },
    description: 'http-json: request headers (an Authorization header, say)',
  })
  headers?: Record<string, string>;

  @Prop({
    type: 'string',
    optional: true,
    description: 'http-json: dotted path of the item array in a page ("data"); the page itself when absent',
  })
  itemsPath?: string;

  @Prop({
    type: 'json',
    optional: true,
    schema: {
      properties: {
        type: { type: 'string', enum: ['page', 'cursor', 'none'] },
        param: { type: 'string' },
        start: { type: 'integer' },
        nextPath: { type: 'string' },
      },
    },
    description: 'http-json: { type: "page"|"cursor"|"none", param, start, nextPath }',
  })
  pagination?: Pagination;

  @Prop({
    type: 'json',
    optional: true,
    schema: {
      properties: {
        id: { type: 'string' },
        body: { type: 'string' },
        title: { type: 'string' },
        tags: { type: 'string' },
        url: { type: 'string' },
        access: { type: 'string' },
      },
      required: ['id', 'body'],
    },
    description:
      'http-json: { id, body, title?, tags?, url?, access? } dotted paths in an item (access: a list of groups or { groups, users }; an item without it is skipped)',
  })
  mapping?: FieldMapping;

  @Prop({
    type: 'string',
    optional: true,
    pattern: { regex: EVERY_PATTERN, message: 'every must be a number and a unit: 30s, 15m, 1h, 1d' },
    description: 'sync on a schedule: "30s", "15m", "1h", "1d" (one instance at a time runs it)',
  })
  every?: string;

  @Prop({
    type: 'boolean',
    optional: true,
    description: 'web: url is a sitemap (its <loc> URLs are the start pages)',
  })
  sitemap?: boolean;

  @Prop({
    type: 'int',
    optional: true,
    min: 0,
    max: 20,
    default: 3,
    description: 'web: links followed from a start page at most',
  })
  maxDepth?: number;

  @Prop({
    type: 'int',
    optional: true,
    min: 1,
    max: 100_000,
    default: 500,
    description: 'web: pages fetched at most per sync',
  })
  maxPages?: number;

  @Prop({
    type: 'number',
    optional: true,
    min: 0.01,
    max: 100,
    default: 5,
    description: 'http-json, web: requests per second at most',
  })
  requestsPerSecond?: number;

  @Prop({
    type: 'int',
    optional: true,
    min: 0,
    max: 10,
    default: 4,
    description: 'http-json: retries of a failed request (429, 5xx, network)',
  })
  maxRetries?: number;
}

export type SourceDefinition = SourceInput & { created_at: string; last_job?: string; last_sync?: string };

export class SourceNameInput {
  @Prop({
    type: 'string',
    pattern: { regex: SOURCE_NAME_PATTERN, message: 'name must be 1-64 lowercase letters, digits, - and _' },
    description: 'the source',
  })
  name!: string;
}

export class SyncSourceInput extends SourceNameInput {
  @Prop({
    type: 'boolean',
    optional: true,
    default: false,
    description: 'answer when the job ends, with its final state',
  })
  wait?: boolean;
}
