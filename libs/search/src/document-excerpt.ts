import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { NotFoundError, type Principal } from '@quarry/core';
import type { ChunkRepository } from './chunk.repository';
import { DocumentIdInput, type DocumentExcerpt } from './document.dto';
import type { DocumentRepository, StoredDocument } from './document.repository';
import { mayRead } from './visibility';

export const DEFAULT_EXCERPT_CHARS = 4_000;
const MAX_EXCERPT_CHARS = 100_000;

/** `get_document`: the whole document, or part of it (around a chunk, or from an offset) within a budget. */
export class GetDocumentInput extends DocumentIdInput {
  @ApiPropertyOptional({ description: 'Read around this chunk (a hit location names it)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  chunk?: number;

  @ApiPropertyOptional({ description: 'Read from this character of the body' })
  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({
    description: `Characters of body to return at most (default: the whole body; ${DEFAULT_EXCERPT_CHARS} with chunk)`,
    maximum: MAX_EXCERPT_CHARS,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EXCERPT_CHARS)
  maxChars?: number;
}

/** Which part of the body a partial read returned. */
/** Which part of the body a partial read returned: the contract's `DocumentExcerpt`. */
export type Excerpt = DocumentExcerpt;

export type DocumentWithExcerpt = Omit<StoredDocument, 'embedding_hash'> & { excerpt?: Excerpt };

/** Character offset of the start of each line (1-based line n starts at starts[n - 1]). */
function lineStarts(body: string): number[] {
  const starts = [0];
  for (let i = 0; i < body.length; i++) if (body[i] === '\n') starts.push(i + 1);
  return starts;
}

/**
 * Reads a document whole or in part. Around a chunk, neighbouring chunks are added alternately
 * after and before it while the budget lasts, and the body text of their lines is returned, so an
 * agent reads the hit in context without the whole document.
 */
export async function readDocument(
  input: GetDocumentInput,
  documents: DocumentRepository,
  chunks: ChunkRepository,
  principal: Pick<Principal, 'role' | 'collections' | 'groups' | 'user'>,
): Promise<DocumentWithExcerpt> {
  const doc = await documents.get(input.id);
  if (!doc || !mayRead(principal, doc)) throw new NotFoundError('document', input.id);
  const { embedding_hash: _embeddingHash, ...visible } = doc;
  const body = doc.body;
  if (input.chunk === undefined && input.offset === undefined && input.maxChars === undefined) return visible;

  const budget = input.maxChars ?? (input.chunk !== undefined ? DEFAULT_EXCERPT_CHARS : body.length);
  if (input.chunk === undefined) {
    const start = Math.min(input.offset ?? 0, body.length);
    const end = Math.min(body.length, start + budget);
    return {
      ...visible,
      body: body.slice(start, end),
      excerpt: { start, end, bodyLength: body.length, truncated: start > 0 || end < body.length },
    };
  }

  const window = 10;
  const around = await chunks.range(doc.id, input.chunk - window, input.chunk + window);
  const centre = around.findIndex((c) => c.chunk_no === input.chunk);
  if (centre < 0) throw new NotFoundError('chunk', `${doc.id}#${input.chunk}`);
  const starts = lineStarts(body);
  const span = (index: number): [number, number] => {
    const lines = around[index].location?.lines;
    if (!lines) return [0, body.length];
    return [starts[lines[0] - 1] ?? 0, starts[lines[1]] !== undefined ? starts[lines[1]] - 1 : body.length];
  };
  let [first, last] = [centre, centre];
  let [start, end] = span(centre);
  for (let step = 0; step < 2 * window; step++) {
    const next = step % 2 === 0 ? last + 1 : first - 1;
    if (next < 0 || next >= around.length) continue;
    const [s, e] = span(next);
    if (Math.max(end, e) - Math.min(start, s) > budget) break;
    [start, end] = [Math.min(start, s), Math.max(end, e)];
    if (next > last) last = next;
    else first = next;
  }
  const cut = Math.min(end, start + budget);
  return {
    ...visible,
    body: body.slice(start, cut),
    excerpt: {
      start,
      end: cut,
      bodyLength: body.length,
      truncated: start > 0 || cut < body.length,
      chunks: around.slice(first, last + 1).map((c) => ({ chunk: c.chunk_no, location: c.location })),
    },
  };
}
