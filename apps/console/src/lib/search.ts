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
export function searchInput(schema: SchemaInfo, state: SearchState, paged = true): Record<string, unknown> {
  const input: Record<string, unknown> = { query: state.q, mode: state.mode };
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

/** The fields of a hit the console shows; location and explain when this server has them. */
export function hitSelection(schema: SchemaInfo): string {
  const optional = ['location', 'explain'].map((f) => schema.selection('SearchHit', f)).filter(Boolean);
  return `id score title snippet highlights collection tags ${optional.join(' ')}`;
}

export interface FacetBucket {
  value: string;
  count: number;
}

export interface Hit {
  id: string;
  score: number;
  title: string | null;
  snippet: string;
  highlights: string[];
  collection: string;
  tags: string[];
  location?: Record<string, unknown> | null;
  explain?: unknown;
}

export interface SearchResult {
  total: number;
  tookMs: number;
  mode: string;
  facets: Record<string, FacetBucket[] | unknown>;
  hits: Hit[];
}

export function describeLocation(location: Record<string, unknown> | null | undefined): string {
  if (!location) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(location)) {
    if (value === null || value === undefined || value === '' || name === 'chunk') continue;
    if (name === 'heading' && Array.isArray(value)) parts.push(value.join(' › '));
    else if (name === 'lines' && Array.isArray(value))
      parts.push(value[0] === value[1] ? `line ${value[0]}` : `lines ${value[0]}–${value[1]}`);
    else parts.push(`${name} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(' · ');
}
