import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { InvalidError } from '@quarry/core';
import { LIMITS, normaliseAccess, type DocumentAccess } from '@quarry/search';
import { documentFromBytes, documentId, walkFiles, type FileDocument } from '../files';
import { DirectoryConfinement, FileTooLargeError, readWithin } from './directory-confinement';
import { PoliteFetcher } from './http-fetch';
import type { SourceDefinition } from './source.dto';
import { EXTRACTION_RULES, INDEXING_RULES } from '../indexing-rules';

/** What a sync keeps of an item in its document's metadata (item_hash, etag, ...). */
export type StoredItem = Record<string, unknown>;

/** One item of a source as a sync sees it. */
export type SourceItem =
  | { kind: 'document'; id: string; origin: string; hash: string; document: FileDocument }
  | { kind: 'unchanged'; id: string; origin: string }
  | { kind: 'skipped'; id: string; origin: string; reason: string }
  /** The walk stopped short (a page limit): items not seen are not gone, so nothing is deleted. */
  | { kind: 'incomplete'; reason: string };

/** The rules a synced item is read under: how its text is indexed, and how its file is extracted. */
export const ITEM_RULES = `${INDEXING_RULES}.${EXTRACTION_RULES}`;

/**
 * Hash of an item's raw content under the current `ITEM_RULES`, stored with its document: equal
 * hash → nothing to extract or embed. New rules make every item a change at its next sync.
 */
export const contentHash = (content: Buffer | string) =>
  createHash('sha256').update(`rules ${ITEM_RULES}\n`).update(content).digest('hex');

/**
 * The files of a directory source. A file whose bytes hash as stored is `unchanged` and is not even
 * extracted; others are extracted into documents or skipped with the reason.
 */
export async function* directoryItems(
  source: SourceDefinition,
  stored: Map<string, StoredItem>,
  signal: AbortSignal,
  confinement = new DirectoryConfinement(),
): AsyncGenerator<SourceItem> {
  // Checked again at every sync: the folder may have been swapped for a link since it was added.
  const root = await confinement.folder(source.path!);
  const outside: SourceItem[] = [];
  const files = await walkFiles(root, {
    include: source.include,
    exclude: source.exclude,
    onSkipped: (relative, reason) =>
      outside.push({ kind: 'skipped', id: documentId(source.name, relative), origin: relative, reason }),
  });
  yield* outside;
  const accessOf = directoryAccess(source);
  for (const file of files) {
    signal.throwIfAborted();
    const id = documentId(source.name, file.relative);
    let bytes: Buffer;
    try {
      bytes = await readWithin(file.absolute, root);
    } catch (error) {
      yield {
        kind: 'skipped',
        id,
        origin: file.relative,
        reason:
          error instanceof FileTooLargeError
            ? error.message
            : `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      };
      continue;
    }
    const access = accessOf(file.relative);
    const hash = withAccess(contentHash(bytes), access);
    if (stored.get(id)?.item_hash === hash) {
      yield { kind: 'unchanged', id, origin: file.relative };
      continue;
    }
    const outcome = await documentFromBytes(bytes, file, {
      owner: source.name,
      collection: source.collection,
      tags: source.tags,
      metadata: { quarry_source: source.name, item_hash: hash },
    });
    yield outcome.kind === 'document'
      ? {
          kind: 'document',
          id,
          origin: file.relative,
          hash,
          document: { ...outcome.document, ...(access ? { access } : {}) },
        }
      : { kind: 'skipped', id, origin: file.relative, reason: outcome.reason };
  }
}

/**
 * The item hash with the access its document gets: a changed `access` (or `accessByPath`) is a
 * change, so the next sync rewrites the documents it concerns. Without access, the content hash
 * alone, as stored before permissions existed.
 */
export function withAccess(hash: string, access: DocumentAccess | undefined): string {
  return access ? contentHash(`${hash}\n${JSON.stringify(access)}`) : hash;
}

/** A directory file's access: the groups of the first `accessByPath` glob its path matches, else the source's. */
export function directoryAccess(source: SourceDefinition): (relative: string) => DocumentAccess | undefined {
  const rules = Object.entries(source.accessByPath ?? {}).map(([glob, groups]) => ({
    matches: picomatch(glob, { dot: true }),
    access: normaliseAccess({ groups }),
  }));
  const fallback = normaliseAccess(source.access);
  return (relative) => rules.find((rule) => rule.matches(relative))?.access ?? fallback;
}

/**
 * An http-json item's access from `mapping.access`: a list of groups or `{ groups, users }`.
 * Undefined when the mapping names no access (the source's applies); null when the item has none
 * the mapping asks for: such an item is skipped, never made readable by everyone.
 */
export function itemAccess(item: unknown, path: string | undefined): DocumentAccess | null | undefined {
  if (!path) return undefined;
  const value = at(item, path);
  const names = (list: unknown) =>
    Array.isArray(list) && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
  const access = Array.isArray(value)
    ? { groups: names(value) }
    : value && typeof value === 'object'
      ? {
          groups: names((value as Record<string, unknown>).groups),
          users: names((value as Record<string, unknown>).users),
        }
      : undefined;
  return normaliseAccess(access) ?? null;
}

/** A value at a dotted path (`attributes.name`, `items.0.id`). */
export function at(value: unknown, dotted: string | undefined): unknown {
  if (!dotted) return value;
  let current = value;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A next-page link must stay on the API's origin: a page cannot send the sync (and its auth header) elsewhere. */
function sameOrigin(base: string, next: string): string {
  if (new URL(next).origin !== new URL(base).origin)
    throw new InvalidError(`next page ${next} is not on ${new URL(base).origin}`, [
      { field: 'pagination.nextPath', reason: 'links to another origin' },
    ]);
  return next;
}

function pageUrl(base: string, param: string, value: string | number): string {
  const url = new URL(base);
  url.searchParams.set(param, String(value));
  return url.toString();
}

/**
 * The items of a paginated JSON API, mapped to documents. Pages are walked by page number (until
 * an empty page) or by cursor (until no next cursor); an item whose JSON hashes as stored is
 * `unchanged`. The fetcher spaces requests and retries 429/5xx, honouring Retry-After.
 */
export async function* httpJsonItems(
  source: SourceDefinition,
  stored: Map<string, StoredItem>,
  signal: AbortSignal,
  fetcher: PoliteFetcher,
): AsyncGenerator<SourceItem> {
  const mapping = source.mapping!;
  const sourceAccess = normaliseAccess(source.access);
  const pagination = source.pagination ?? { type: 'none' };
  let url: string | undefined = source.url!;
  if (pagination.type === 'page') url = pageUrl(url, pagination.param ?? 'page', pagination.start ?? 1);
  let pageNo = pagination.start ?? 1;
  for (let pages = 0; url && pages < 10_000; pages++) {
    const page = await fetcher.json(url, signal);
    const items = at(page, source.itemsPath);
    if (!Array.isArray(items))
      throw new InvalidError(`${url}: no item array at "${source.itemsPath ?? '(the page)'}"`, [
        { field: 'itemsPath', reason: 'not an array in the response' },
      ]);
    for (const [n, item] of items.entries()) {
      const rawId = at(item, mapping.id);
      const origin = `${url} [${n}]`;
      if (typeof rawId !== 'string' && typeof rawId !== 'number') {
        yield { kind: 'skipped', id: `${origin}`, origin, reason: `no id at "${mapping.id}"` };
        continue;
      }
      const id = documentId(source.name, String(rawId));
      const mapped = itemAccess(item, mapping.access);
      if (mapped === null) {
        yield {
          kind: 'skipped',
          id,
          origin: String(rawId),
          reason: `no access at "${mapping.access}" (a list of groups or { groups, users })`,
        };
        continue;
      }
      const access = mapped ?? sourceAccess;
      const hash = withAccess(contentHash(JSON.stringify(item)), access);
      if (stored.get(id)?.item_hash === hash) {
        yield { kind: 'unchanged', id, origin: String(rawId) };
        continue;
      }
      const body = at(item, mapping.body);
      const text =
        typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
      if (!text.trim()) {
        yield { kind: 'skipped', id, origin: String(rawId), reason: `no text at "${mapping.body}"` };
        continue;
      }
      const title = at(item, mapping.title);
      const tags = at(item, mapping.tags);
      const link = at(item, mapping.url);
      yield {
        kind: 'document',
        id,
        origin: String(rawId),
        hash,
        document: {
          id,
          title: typeof title === 'string' ? title.slice(0, LIMITS.titleLength) : String(rawId),
          body: text.slice(0, LIMITS.bodyLength),
          source: (typeof link === 'string' ? link : source.url!).slice(0, LIMITS.sourceLength),
          collection: source.collection,
          tags: [
            ...(source.tags ?? []),
            ...(Array.isArray(tags) ? tags.filter((t) => typeof t === 'string') : []),
          ],
          metadata: { quarry_source: source.name, item_hash: hash, item_id: String(rawId) },
          ...(access ? { access } : {}),
        },
      };
    }
    if (pagination.type === 'page') {
      pageNo++;
      url = items.length ? pageUrl(source.url!, pagination.param ?? 'page', pageNo) : undefined;
    } else if (pagination.type === 'cursor') {
      const next = at(page, pagination.nextPath ?? 'next');
      url =
        typeof next === 'string' && next
          ? /^https?:\/\//.test(next)
            ? sameOrigin(source.url!, next)
            : pageUrl(source.url!, pagination.param ?? 'cursor', next)
          : undefined;
    } else url = undefined;
  }
}
