import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import {
  operationRef,
  InvalidError,
  meterBatch,
  type Operation,
  type ArgsOf,
  type ResultOf,
} from '@quarry/core';
import { COLLECTION_PATTERN, LIMITS, readerOf, type IngestResult } from '@quarry/search';
import type { IngestService } from './ingest.service';
import { documentFromBytes, type FileDocument } from './files';
import type { JobHandle, JobService } from './jobs/job.service';

/** Files one upload may carry, and the decoded size of each (the JSON body limit is 20 MB). */
export const UPLOAD_LIMITS = { files: 20, bytesPerFile: 10 * 1024 * 1024 };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class UploadedFileInput {
  @ApiProperty({ description: 'file name; its extension and content decide the extraction' })
  @IsString()
  @Length(1, 255)
  name!: string;

  @ApiProperty({
    description: `the file's bytes in base64, at most ${UPLOAD_LIMITS.bytesPerFile} bytes decoded`,
  })
  @IsString()
  contentBase64!: string;
}

export class UploadFilesInput {
  @ApiProperty()
  @IsString()
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection!: string;

  @ApiProperty({ type: [UploadedFileInput], minItems: 1, maxItems: UPLOAD_LIMITS.files })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(UPLOAD_LIMITS.files)
  @ValidateNested({ each: true })
  @Type(() => UploadedFileInput)
  files!: UploadedFileInput[];

  @ApiPropertyOptional({ type: [String], description: 'tags of every document' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.tags)
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'answer once the documents are searchable' })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

export interface UploadedFileResult {
  name: string;
  /** Set for a file that became a document. */
  id?: string;
  status: 'created' | 'updated' | 'unchanged' | 'failed' | 'skipped';
  format?: string;
  chunks?: number;
  /** Why it failed, or why it was skipped (not a format Quarry extracts, too large, ...). */
  reason?: string;
}

export interface UploadFilesResult {
  items: UploadedFileResult[];
  indexed: number;
  failed: number;
  skipped: number;
  tookMs: number;
  /** The job that recorded the upload (listed on /v1/jobs like a sync or a CLI ingest). */
  job?: string;
}

/** Cost: one unit per file and one per decoded megabyte. */
export function uploadCost(args: { files?: { contentBase64?: unknown }[] } | undefined): number {
  const files = Array.isArray(args?.files) ? args.files : [];
  const chars = files.reduce(
    (sum, f) => sum + (typeof f?.contentBase64 === 'string' ? f.contentBase64.length : 0),
    0,
  );
  return Math.max(1, files.length + Math.ceil((chars * 3) / 4 / (1024 * 1024)));
}

/** The base64 content of files[index], decoded, or an error naming the field. */
function decode(file: UploadedFileInput, index: number): Buffer {
  const field = `files[${index}].contentBase64`;
  const text = file.contentBase64.replace(/\s+/g, '');
  if (Math.floor((text.length * 3) / 4) - (text.match(/=*$/)?.[0].length ?? 0) > UPLOAD_LIMITS.bytesPerFile)
    throw new InvalidError(`${field} is too large`, [
      { field, reason: `at most ${UPLOAD_LIMITS.bytesPerFile} bytes decoded` },
    ]);
  if (text.length % 4 === 1 || !BASE64.test(text))
    throw new InvalidError(`${field} is not base64`, [{ field, reason: 'must be base64' }]);
  return Buffer.from(text, 'base64');
}

/** Typed references of the operations below: what edges call them by. */
export const UPLOAD_FILES = operationRef<UploadFilesInput, UploadFilesResult>('upload_files');

/**
 * `upload_files`: files sent by a client (the console's upload page), extracted on the server as
 * `quarry ingest` extracts them (PDF, DOCX, PPTX, XLSX, OpenDocument, EPUB, HTML, Markdown, text, ...) into documents with ids
 * `<collection>:<name>` and chunk locations, then indexed like `index_documents`. Files that
 * cannot become documents come back as skipped with the reason.
 */
export function uploadFilesOperation(
  ingest: IngestService,
  /** Where each upload is recorded as an `ingest` job; without it, uploads leave no record. */
  jobs?: JobService,
): Operation<ArgsOf<typeof UPLOAD_FILES>, ResultOf<typeof UPLOAD_FILES>> {
  return {
    name: UPLOAD_FILES,
    description:
      'Upload files (base64): extracted on the server (PDF, DOCX, PPTX, XLSX, ODT, EPUB, HTML, Markdown, text, ...) and indexed into a collection.',
    role: 'writer',
    input: UploadFilesInput,
    cost: uploadCost,
    audit: (_args, result) =>
      result ? { ids: result.items.map((item) => item.id ?? item.name), failed: result.failed } : { ids: [] },
    meter: (args, result) =>
      meterBatch(
        result.items.filter((item) => item.status !== 'skipped'),
        args.files.reduce((sum, file) => sum + Math.floor(file.contentBase64.length * 0.75), 0),
      ),
    run: async (args, context) => {
      // Refused input (not base64, too large) is invalid before any job exists.
      const contents = args.files.map((file, index) => decode(file, index));
      if (!jobs) return upload(ingest, args, contents, context, undefined);
      let outcome: { result: UploadFilesResult } | { error: unknown } | undefined;
      const started = await jobs.start(
        { kind: 'ingest', owner: context.principal.id, collection: args.collection },
        async (job) => {
          try {
            outcome = { result: await upload(ingest, args, contents, context, job) };
          } catch (error) {
            outcome = { error };
            throw error;
          }
        },
      );
      await jobs.wait(started.id);
      if (!outcome || 'error' in outcome)
        throw outcome?.error ?? new Error(`job ${started.id} ended without a result`);
      return { ...outcome.result, job: started.id };
    },
  };
}

/** Extracts and indexes the decoded files, counting each one on `job` when there is one. */
async function upload(
  ingest: IngestService,
  args: UploadFilesInput,
  contents: Buffer[],
  context: Parameters<Operation<UploadFilesInput, UploadFilesResult>['run']>[1],
  job: JobHandle | undefined,
): Promise<UploadFilesResult> {
  const started = performance.now();
  const items: UploadedFileResult[] = [];
  const documents: { item: UploadedFileResult; document: FileDocument }[] = [];
  job?.count('found', args.files.length);
  for (const [index, file] of args.files.entries()) {
    const name = file.name.split(/[\\/]/).pop() || file.name;
    const outcome = await documentFromBytes(
      contents[index],
      { absolute: name, relative: name },
      { owner: args.collection, collection: args.collection, tags: args.tags },
    );
    job?.advance('extract');
    const item: UploadedFileResult =
      outcome.kind === 'document'
        ? { name, status: 'created', format: outcome.format, id: outcome.document.id }
        : { name, status: 'skipped', reason: outcome.reason };
    items.push(item);
    if (outcome.kind === 'document')
      documents.push({ item, document: { ...outcome.document, source: `upload:${name}` } });
    else job?.fail({ item: name, stage: 'extract', reason: outcome.reason, skipped: true });
  }
  const signal = job ? AbortSignal.any([context.signal, job.signal]) : context.signal;
  let result: IngestResult | undefined;
  if (documents.length)
    result = await ingest.ingest(
      documents.map((d) => d.document),
      {
        wait: args.wait,
        signal,
        onProgress: context.onProgress,
        allowedCollections: context.principal.collections,
        reader: readerOf(context.principal),
      },
    );
  for (const [n, { item }] of documents.entries()) {
    const indexed = result?.items[n];
    if (!indexed) continue;
    item.status = indexed.status;
    if (indexed.chunks !== undefined) item.chunks = indexed.chunks;
    if (indexed.error) item.reason = indexed.error;
    if (indexed.status === 'failed')
      job?.fail({ item: item.name, stage: 'index', reason: indexed.error ?? 'failed' });
    else if (indexed.status === 'unchanged') job?.count('unchanged');
    else {
      job?.count('indexed');
      job?.count('embedded');
      job?.advance('index');
    }
  }
  return {
    items,
    indexed: result?.indexed ?? 0,
    failed: result?.failed ?? 0,
    skipped: items.filter((i) => i.status === 'skipped').length,
    tookMs: Math.round(performance.now() - started),
  };
}
