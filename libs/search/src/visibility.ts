import type { estypes } from '@elastic/elasticsearch';
import { InvalidError, type Principal } from '@quarry/core';
import type { DocumentAccess } from './document.dto';

/*
 * What a principal may read, in one place: its collections (the key's allow-list) and, inside
 * them, the documents whose `access` lets it in. Every query adds `visibilityClauses` (or, for a
 * search, its scope carries `reader` into `filterClauses`), so Elasticsearch never returns what
 * the principal may not read: hits, totals, facets and kNN candidates are counted after it. A
 * document read by id is checked with `mayRead`, which decides exactly as the clauses do.
 */

/**
 * Whom a principal reads as, beside open documents: its groups and its user. Absent = it reads
 * every document of its collections (admins).
 */
export interface AccessReader {
  groups: string[];
  user?: string;
}

type PrincipalScope = Pick<Principal, 'role' | 'collections' | 'groups' | 'user'>;

/** Admins read every document of their collections; everyone else as its groups and user. */
export function readerOf(principal: PrincipalScope): AccessReader | undefined {
  if (principal.role === 'admin') return undefined;
  return {
    groups: [...new Set(principal.groups ?? [])].sort(),
    ...(principal.user ? { user: principal.user } : {}),
  };
}

/** What searches take from a principal: its allow-list and its reader. */
export function searchScopeOf(principal: PrincipalScope): {
  allowedCollections?: string[];
  reader?: AccessReader;
} {
  const reader = readerOf(principal);
  return {
    ...(principal.collections ? { allowedCollections: principal.collections } : {}),
    ...(reader ? { reader } : {}),
  };
}

/** True when the access names nobody: such a document is open. */
function isOpen(access: DocumentAccess | null | undefined): boolean {
  return !access?.groups?.length && !access?.users?.length;
}

/**
 * The clause letting a reader's documents through: open ones (no `access.groups` and no
 * `access.users`; documents written before permissions existed have neither), those of one of its
 * groups and those naming its user. Undefined for admins (nothing to filter). The same fields are
 * on every chunk, so this is also the kNN `filter`.
 */
export function accessFilter(reader: AccessReader | undefined): estypes.QueryDslQueryContainer | undefined {
  if (!reader) return undefined;
  const should: estypes.QueryDslQueryContainer[] = [
    {
      bool: {
        must_not: [{ exists: { field: 'access.groups' } }, { exists: { field: 'access.users' } }],
      },
    },
  ];
  if (reader.groups.length) should.push({ terms: { 'access.groups': reader.groups } });
  if (reader.user) should.push({ term: { 'access.users': reader.user } });
  return { bool: { should, minimum_should_match: 1 } };
}

/** The principal's visibility as filter clauses (collections and access), for any query of documents or chunks. */
export function visibilityClauses(principal: PrincipalScope): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [];
  if (principal.collections) clauses.push({ terms: { collection: principal.collections } });
  const access = accessFilter(readerOf(principal));
  if (access) clauses.push(access);
  return clauses;
}

/** `accessFilter` decided on one document (a read by id, a live match). */
export function readerMayRead(
  reader: AccessReader | undefined,
  access: DocumentAccess | null | undefined,
): boolean {
  if (!reader || isOpen(access)) return true;
  if (access?.groups?.some((g) => reader.groups.includes(g))) return true;
  return !!reader.user && !!access?.users?.includes(reader.user);
}

/** `visibilityClauses` decided on one document. */
export function mayRead(
  principal: PrincipalScope,
  doc: { collection: string; access?: DocumentAccess | null },
): boolean {
  if (principal.collections && !principal.collections.includes(doc.collection)) return false;
  return readerMayRead(readerOf(principal), doc.access);
}

/** A document's access as it is stored: sorted, without duplicates; undefined when it names nobody. */
export function normaliseAccess(access: DocumentAccess | undefined): DocumentAccess | undefined {
  if (!access) return undefined;
  const list = (values?: string[]) =>
    [...new Set((values ?? []).map((v) => v.trim()).filter(Boolean))].sort();
  const groups = list(access.groups);
  const users = list(access.users);
  if (!groups.length && !users.length) return undefined;
  return { ...(groups.length ? { groups } : {}), ...(users.length ? { users } : {}) };
}

/**
 * A writer may only restrict a document to groups it belongs to and to its own user: it could
 * otherwise plant documents in another group's view (or hide them from itself). Groups and users
 * the stored version already names (`kept`) may stay, so a member of one group can update a
 * document shared with others. Admins set any.
 */
export function checkWritableAccess(
  reader: AccessReader | undefined,
  access: DocumentAccess | undefined,
  kept?: DocumentAccess,
): void {
  if (!reader || !access) return;
  const foreignGroups = (access.groups ?? []).filter(
    (g) => !reader.groups.includes(g) && !kept?.groups?.includes(g),
  );
  if (foreignGroups.length)
    throw new InvalidError(`access.groups names groups this key is not in: ${foreignGroups.join(', ')}`, [
      { field: 'access.groups', reason: 'only groups of this key (admins: any)' },
    ]);
  const foreignUsers = (access.users ?? []).filter((u) => u !== reader.user && !kept?.users?.includes(u));
  if (foreignUsers.length)
    throw new InvalidError(`access.users may only name this key's own user`, [
      { field: 'access.users', reason: "only the caller's own user (admins: any)" },
    ]);
}
