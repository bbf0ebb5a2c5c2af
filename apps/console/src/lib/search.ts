import type { ConsoleHitFragment, SearchInput, SearchQuery } from './graphql.generated';
import type { SchemaInfo } from './schema';

/** The search form's state, as kept in the URL (`#/search?q=...&mode=...`). */
export interface SearchState {
  q: string;
  mode: string;
  ratio: string;
  explain: boolean;
  collections: string[];
  tags: string[];
  page: number;
}

export const PAGE_SIZE = 10;

export function readSearchState(params: URLSearchParams): SearchState {
  return {
    q: params.get('q') ?? '',
    mode: params.get('mode') ?? 'HYBRID',
    ratio: params.get('ratio') ?? '',
    explain: params.get('explain') === '1',
    collections: params.getAll('c'),
    tags: params.getAll('t'),
    page: Math.max(1, Number(params.get('page') ?? 1) || 1),
  };
}

export function searchParams(state: SearchState): Record<string, string | string[]> {
  return {
    q: state.q,
    mode: state.mode === 'HYBRID' ? '' : state.mode,
    ratio: state.ratio,
    explain: state.explain ? '1' : '',
    c: state.collections,
    t: state.tags,
    page: state.page > 1 ? String(state.page) : '',
  };
}

/** SearchInput for this state, with optional fields only where the schema has them. */
export function searchInput(schema: SchemaInfo, state: SearchState, paged = true): SearchInput {
  const input: SearchInput = { query: state.q, mode: state.mode as SearchInput['mode'] };
  if (state.collections.length) input.collection = state.collections;
  if (state.tags.length) input.tags = state.tags;
  if (paged) {
    input.size = PAGE_SIZE;
    input.from = (state.page - 1) * PAGE_SIZE;
  }
  if (state.ratio !== '' && state.mode === 'HYBRID' && schema.has('SearchInput', 'semanticRatio')) {
    input.semanticRatio = Number(state.ratio);
  }
  if (state.explain && schema.has('SearchInput', 'explain')) input.explain = true;
  return input;
}

/** A hit as the console selects it (the ConsoleHit fragment), typed from schema.graphql. */
export type Hit = ConsoleHitFragment;
export type SearchResult = SearchQuery['search'];
export type FacetBucket = SearchResult['facets']['collection'][number];

/**
 * `page 2 · Install › On Debian · lines 3–9`: where in its document a hit's passage or a chunk is;
 * a page printed with another number reads `page 17 (PDF page 20)`.
 */
export function describeLocation(
  location:
    | {
        page?: number | null;
        pageLabel?: string | null;
        heading?: string[] | null;
        lines?: number[] | null;
      }
    | null
    | undefined,
): string {
  if (!location) return '';
  const { page, pageLabel, heading, lines } = location;
  return [
    page != null ? (pageLabel ? `page ${pageLabel} (PDF page ${page})` : `page ${page}`) : '',
    heading?.length ? heading.join(' › ') : '',
    lines?.length === 2 ? (lines[0] === lines[1] ? `line ${lines[0]}` : `lines ${lines[0]}–${lines[1]}`) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
