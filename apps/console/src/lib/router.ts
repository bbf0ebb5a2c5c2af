import { readable } from 'svelte/store';

/** Hash routes (`#/search?q=...`): Quarry serves one page at `/`, and any URL can be shared. */
export interface Route {
  page: string;
  rest: string[];
  params: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?', 2);
  const [page = 'search', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: page || 'search', rest, params: new URLSearchParams(query) };
}

export const route = readable<Route>(parse(), (set) => {
  const update = () => set(parse());
  // The first subscriber may come after the address changed (back from sign-in): read it now.
  update();
  window.addEventListener('hashchange', update);
  return () => window.removeEventListener('hashchange', update);
});

export function href(page: string, params: Record<string, string | string[] | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value]) {
      query.append(name, v);
    }
  }
  const text = query.toString();
  return `#/${page}${text ? `?${text}` : ''}`;
}

/** Changes the URL without adding a history entry when only the search inside a page changes. */
export function navigate(target: string, replace = false): void {
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
