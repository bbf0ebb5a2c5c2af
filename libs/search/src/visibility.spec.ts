import { InvalidError } from '@quarry/core';
import { lexicalQuery, semanticRequest } from './search-query';
import {
  accessFilter,
  checkWritableAccess,
  mayRead,
  normaliseAccess,
  readerMayRead,
  readerOf,
  searchScopeOf,
  visibilityClauses,
} from './visibility';

const eng = { id: 'k1', role: 'reader' as const, groups: ['eng'] };
const alice = { id: 'k2', role: 'reader' as const, user: 'alice' };
const nobody = { id: 'k3', role: 'writer' as const };
const admin = { id: 'k4', role: 'admin' as const, groups: [] };

const OPEN = { collection: 'docs' };
const ENG = { collection: 'docs', access: { groups: ['eng'] } };
const HR = { collection: 'docs', access: { groups: ['hr'] } };
const ALICE = { collection: 'docs', access: { users: ['alice'] } };
const HR_OR_ALICE = { collection: 'docs', access: { groups: ['hr'], users: ['alice'] } };

describe('per-document visibility', () => {
  it('a reader reads open documents, its groups and its user, nothing else', () => {
    expect([OPEN, ENG, HR, ALICE, HR_OR_ALICE].map((d) => mayRead(eng, d))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect([OPEN, ENG, HR, ALICE, HR_OR_ALICE].map((d) => mayRead(alice, d))).toEqual([
      true,
      false,
      false,
      true,
      true,
    ]);
    expect([OPEN, ENG, HR, ALICE].map((d) => mayRead(nobody, d))).toEqual([true, false, false, false]);
  });

  it('admins read every document, but stay in their collections', () => {
    expect([OPEN, ENG, HR, ALICE].every((d) => mayRead(admin, d))).toBe(true);
    expect(readerOf(admin)).toBeUndefined();
    expect(mayRead({ ...admin, collections: ['ops'] }, HR)).toBe(false);
    expect(mayRead({ ...eng, collections: ['ops'] }, ENG)).toBe(false);
  });

  it('an access that names nobody is open (as documents written before permissions)', () => {
    expect(readerMayRead(readerOf(nobody), { groups: [], users: [] })).toBe(true);
    expect(readerMayRead(readerOf(nobody), null)).toBe(true);
  });

  it('builds one Elasticsearch clause: open documents, the groups, the user', () => {
    expect(accessFilter(undefined)).toBeUndefined();
    expect(accessFilter(readerOf({ ...alice, groups: ['eng', 'eng', 'dev'] }))).toEqual({
      bool: {
        should: [
          {
            bool: {
              must_not: [{ exists: { field: 'access.groups' } }, { exists: { field: 'access.users' } }],
            },
          },
          { terms: { 'access.groups': ['dev', 'eng'] } },
          { term: { 'access.users': 'alice' } },
        ],
        minimum_should_match: 1,
      },
    });
    // A principal without groups or user: open documents only (no empty `terms`).
    expect(accessFilter(readerOf(nobody))).toEqual({
      bool: { should: [expect.objectContaining({ bool: expect.anything() })], minimum_should_match: 1 },
    });
    expect(visibilityClauses({ ...eng, collections: ['ops'] })).toEqual([
      { terms: { collection: ['ops'] } },
      accessFilter(readerOf(eng)),
    ]);
    expect(visibilityClauses(admin)).toEqual([]);
  });

  it('is inside the lexical query and the kNN filter, never after them', () => {
    const scope = { reader: readerOf(eng) };
    const access = accessFilter(readerOf(eng));
    const lexical = lexicalQuery('disk', scope) as { bool: { filter: unknown[] } };
    expect(lexical.bool.filter).toContainEqual(access);
    const knn = semanticRequest('vectors', [0.1, 0.2], scope, 10).knn as { filter?: unknown[] };
    expect(knn.filter).toContainEqual(access);
    expect(searchScopeOf(eng)).toEqual({ reader: { groups: ['eng'] } });
    expect(searchScopeOf(admin)).toEqual({});
  });

  it('a writer restricts documents only to its own groups and user; admins to anyone', () => {
    expect(() => checkWritableAccess(readerOf(eng), { groups: ['eng'] })).not.toThrow();
    expect(() => checkWritableAccess(readerOf(eng), { groups: ['hr'] })).toThrow(InvalidError);
    expect(() => checkWritableAccess(readerOf(eng), { groups: ['hr'] })).toThrow(/access\.groups.*hr/);
    expect(() => checkWritableAccess(readerOf(alice), { users: ['alice'] })).not.toThrow();
    expect(() => checkWritableAccess(readerOf(alice), { users: ['bob'] })).toThrow(/access\.users/);
    expect(() => checkWritableAccess(readerOf(admin), { groups: ['hr'], users: ['bob'] })).not.toThrow();
    // Updating a document shared with another group keeps that group; adding one is refused.
    const shared = { groups: ['eng', 'hr'], users: ['bob'] };
    expect(() => checkWritableAccess(readerOf(eng), shared, shared)).not.toThrow();
    expect(() => checkWritableAccess(readerOf(eng), { groups: ['eng', 'finance'] }, shared)).toThrow(
      /finance/,
    );
  });

  it('stores access sorted and without duplicates', () => {
    expect(normaliseAccess({ groups: ['hr', 'eng', 'hr'], users: [] })).toEqual({ groups: ['eng', 'hr'] });
    expect(normaliseAccess({ groups: [' '] })).toBeUndefined();
  });
});
