import { readerMayRead, type DocumentAccess, type StoredDocument } from '@quarry/search';
import type { LiveScope } from './live-types';

/*
 * A live query's scope evaluated on one document, exactly as the search's filter clauses
 * (`search-query.ts`) evaluate it in Elasticsearch.
 */

/** Leaves of a flattened-field path (`team`, `owner.name`); arrays are transparent, as in Elasticsearch. */
function metadataValues(metadata: unknown, path: string[]): string[] {
  if (metadata === null || metadata === undefined) return [];
  if (Array.isArray(metadata)) return metadata.flatMap((item) => metadataValues(item, path));
  if (path.length === 0) return typeof metadata === 'object' ? [] : [String(metadata)];
  if (typeof metadata !== 'object') return [];
  return metadataValues((metadata as Record<string, unknown>)[path[0]], path.slice(1));
}

/**
 * A bound of a date range as Elasticsearch reads it: a date without a time of day is its start
 * for a lower bound and its last millisecond for an upper bound (`lte: "2024-05-01"` includes
 * that whole day).
 */
function dateBound(value: string, upper: boolean): number {
  const start = Date.parse(value);
  if (!upper) return start;
  const parts = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (!parts) return start;
  const [, year, month, day] = parts;
  const next = day
    ? Date.UTC(+year, +month - 1, +day + 1)
    : month
      ? Date.UTC(+year, +month, 1)
      : Date.UTC(+year + 1, 0, 1);
  return next - 1;
}

/** Deletions are matched by collection (and who could read the document): the deleted content is gone. */
export function inCollectionScope(scope: LiveScope, collection: string, access?: DocumentAccess): boolean {
  return (
    (!scope.collections || scope.collections.includes(collection)) && readerMayRead(scope.reader, access)
  );
}

/** The search's filter clauses (tags, metadata, source, dates), evaluated on one document. */
export function inScope(scope: LiveScope, doc: StoredDocument): boolean {
  if (!inCollectionScope(scope, doc.collection, doc.access)) return false;
  for (const tag of scope.tags ?? []) if (!doc.tags.includes(tag)) return false;
  const filters = scope.filters;
  if (!filters) return true;
  for (const [field, wanted] of Object.entries(filters.metadata ?? {})) {
    const values = metadataValues(doc.metadata, field.split('.'));
    const accepted = (Array.isArray(wanted) ? wanted : [wanted]).map(String);
    if (!values.some((v) => accepted.includes(v))) return false;
  }
  if (filters.source?.length && (!doc.source || !filters.source.includes(doc.source))) return false;
  const within = (field: string, after?: string, before?: string) => {
    const at = Date.parse(field);
    return (!after || at >= dateBound(after, false)) && (!before || at <= dateBound(before, true));
  };
  return (
    within(doc.created_at, filters.createdAfter, filters.createdBefore) &&
    within(doc.updated_at, filters.updatedAfter, filters.updatedBefore)
  );
}
