import type { StoredDocument } from '@quarry/search';
import { highlightFragments } from './live-hits';
import { LiveQueryIndex, type DocumentTerms, type FieldTerms, type MatchDocument } from './live-matcher';
import { inScope } from './live-scope';
import type { LiveQuery } from './live-types';

const NOW = Date.parse('2026-05-01T12:00:00Z');

function query(id: string, overrides: Partial<LiveQuery> = {}): LiveQuery {
  return {
    subscriptionId: id,
    owner: 'local',
    instance: 'i1',
    mode: 'lexical',
    text: 'disk full',
    scope: {},
    terms: { english: ['disk', 'full'], standard: ['disk', 'full'] },
    createdAt: new Date(NOW).toISOString(),
    expiresAt: NOW + 30_000,
    ...overrides,
  };
}

function doc(id: string, overrides: Partial<StoredDocument> = {}): StoredDocument {
  return {
    id,
    collection: 'runbooks',
    title: 'Disk full',
    body: 'When the disks run full, rotate the logs.',
    tags: ['ops'],
    metadata: { team: 'sre', owner: { names: ['ann', 'bob'] } },
    source: 'wiki',
    created_at: '2026-04-30T10:00:00Z',
    updated_at: '2026-04-30T10:00:00Z',
    content_hash: 'h',
    ...overrides,
  };
}

/** Terms as Elasticsearch would return them, for a few words at known offsets. */
function terms(text: string, stem: (word: string) => string): FieldTerms {
  const found: FieldTerms = new Map();
  for (const match of text.matchAll(/\w+/g)) {
    const term = stem(match[0].toLowerCase());
    found.set(term, [...(found.get(term) ?? []), [match.index!, match.index! + match[0].length]]);
  }
  return found;
}

const english = (word: string) => word.replace(/s$/, '');
const standard = (word: string) => word;

function analysed(d: StoredDocument): DocumentTerms {
  return {
    title: terms(d.title ?? '', english),
    body: terms(d.body, english),
    titleStd: terms(d.title ?? '', standard),
    bodyStd: terms(d.body, standard),
  };
}

function item(d: StoredDocument, extra: Partial<MatchDocument> = {}): MatchDocument {
  return { id: d.id, change: 'new', collection: d.collection, document: d, terms: analysed(d), ...extra };
}

describe('LiveQueryIndex.match', () => {
  it('matches a document that shares an analysed term with the query, and not one that does not', () => {
    const index = new LiveQueryIndex();
    index.add(query('q1'));
    const hit = index.match([item(doc('d1'))], NOW);
    expect(hit).toHaveLength(1);
    expect(hit[0]).toMatchObject({ subscriptionId: 'q1', instance: 'i1', change: 'new', hit: { id: 'd1' } });
    expect(hit[0].hit.highlights[0]).toBe('<em>Disk</em> <em>full</em>');
    expect(hit[0].hit.snippet).toBe('When the <em>disks</em> run <em>full</em>, rotate the logs.');
    expect(index.match([item(doc('d2', { title: 'Leave', body: 'Parental leave policy.' }))], NOW)).toEqual(
      [],
    );
  });

  it('applies collection, tag, metadata, source and date scope like the search filters', () => {
    const d = doc('d1');
    expect(inScope({ collections: ['runbooks'], tags: ['ops'] }, d)).toBe(true);
    expect(inScope({ collections: ['hr'] }, d)).toBe(false);
    expect(inScope({ tags: ['ops', 'security'] }, d)).toBe(false);
    expect(inScope({ filters: { metadata: { team: ['sre', 'people'] } } }, d)).toBe(true);
    expect(inScope({ filters: { metadata: { 'owner.names': 'bob' } } }, d)).toBe(true);
    expect(inScope({ filters: { metadata: { team: 'finance' } } }, d)).toBe(false);
    expect(inScope({ filters: { source: ['docs'] } }, d)).toBe(false);
    expect(inScope({ filters: { createdAfter: '2026-04-30T11:00:00Z' } }, d)).toBe(false);
    // A date without time as an upper bound covers that whole day, as in Elasticsearch.
    expect(inScope({ filters: { createdBefore: '2026-04-30' } }, d)).toBe(true);
    expect(inScope({ filters: { createdBefore: '2026-04-29' } }, d)).toBe(false);
  });

  it('matches semantic queries by cosine against the threshold, hybrid by either', () => {
    const index = new LiveQueryIndex();
    index.add(query('sem', { mode: 'semantic', vector: [1, 0, 0], threshold: 0.8 }));
    index.add(
      query('hyb', {
        mode: 'hybrid',
        text: 'vacation',
        terms: { english: ['vacat'], standard: ['vacation'] },
        vector: [1, 0, 0],
        threshold: 0.8,
      }),
    );
    const near = item(doc('near', { title: 'Time off', body: 'Paid leave.' }), {
      chunks: [{ text: 'Paid leave.', vector: [0.9, 0.1, 0] }],
    });
    const far = item(doc('far', { title: 'Disks', body: 'Rotate logs.' }), {
      chunks: [{ text: 'Rotate logs.', vector: [0, 1, 0] }],
    });
    const events = index.match([near, far], NOW);
    expect(events.map((e) => `${e.subscriptionId}:${e.hit.id}`).sort()).toEqual(['hyb:near', 'sem:near']);
    expect(events[0].hit.score).toBeGreaterThan(0.8);
    expect(events[0].hit.snippet).toBe('Paid leave.');
  });

  it('weighs a document of several chunks by its best chunk and its whole, as search ranks it', () => {
    const index = new LiveQueryIndex();
    index.add(query('sem', { mode: 'semantic', vector: [1, 0, 0], threshold: 0.8 }));
    const chunks = [
      { text: 'Paid leave.', vector: [0.95, 0.05, 0] },
      { text: 'Rotate logs.', vector: [0, 1, 0] },
    ];
    // One chunk is near the query, the document as a whole is not: (0.998 + 0.45) / 2 < 0.8.
    const mostlyElse = item(doc('mostly-else'), { chunks, documentVector: [0.45, 0.89, 0] });
    // Near as a whole too.
    const onTopic = item(doc('on-topic'), { chunks, documentVector: [0.9, 0.3, 0] });
    const events = index.match([mostlyElse, onTopic], NOW);
    expect(events.map((e) => e.hit.id)).toEqual(['on-topic']);
    expect(events[0].hit.score).toBeGreaterThan(0.9);
    expect(events[0].hit.snippet).toBe('Paid leave.');
  });

  it('matches every document in scope for a query without words', () => {
    const index = new LiveQueryIndex();
    index.add(
      query('all', { text: '', terms: { english: [], standard: [] }, scope: { collections: ['hr'] } }),
    );
    expect(index.match([item(doc('d1'))], NOW)).toEqual([]);
    expect(index.match([item(doc('d2', { collection: 'hr' }))], NOW)).toHaveLength(1);
  });

  it('sends deletions to the queries whose collections cover the document', () => {
    const index = new LiveQueryIndex();
    index.add(query('rb', { scope: { collections: ['runbooks'] } }));
    index.add(query('hr', { scope: { collections: ['hr'] } }));
    const events = index.match([{ id: 'd1', change: 'deleted', collection: 'runbooks' }], NOW);
    expect(events.map((e) => [e.subscriptionId, e.change, e.hit.id])).toEqual([['rb', 'deleted', 'd1']]);
  });

  it('ignores queries whose instance stopped renewing them, until renewed', () => {
    const index = new LiveQueryIndex();
    index.add(query('q1', { expiresAt: NOW - 1 }));
    expect(index.match([item(doc('d1'))], NOW)).toEqual([]);
    index.extend('i1', NOW + 10_000);
    expect(index.match([item(doc('d1'))], NOW)).toHaveLength(1);
    expect(index.removeExpired(NOW + 20_000)).toEqual(['q1']);
    expect(index.size).toBe(0);
    expect(index.hasLexical).toBe(false);
  });
});

describe('highlightFragments', () => {
  it('marks the spans and escapes the rest', () => {
    const text = 'Use <b>df</b> & check the disk.';
    expect(highlightFragments(text, [[26, 30]])).toEqual([
      'Use &lt;b&gt;df&lt;/b&gt; &amp; check the <em>disk</em>.',
    ]);
  });

  it('shows a line escaped for the chunker as its file has it', () => {
    const text = 'Example:\n\\# rotate the logs';
    expect(highlightFragments(text, [[23, 27]])).toEqual(['Example:\n# rotate the <em>logs</em>']);
  });

  it('gives up to three fragments of about 160 characters around distant matches', () => {
    const filler = 'lorem ipsum '.repeat(30);
    const text = `disk ${filler}disk ${filler}disk ${filler}disk`;
    const spans = [...text.matchAll(/disk/g)].map((m) => [m.index!, m.index! + 4] as [number, number]);
    const fragments = highlightFragments(text, spans);
    expect(fragments).toHaveLength(3);
    for (const fragment of fragments) {
      expect(fragment).toContain('<em>disk</em>');
      expect(fragment.length).toBeLessThan(200);
    }
  });
});
