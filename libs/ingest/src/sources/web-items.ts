import robotsParser from 'robots-parser';
import { LIMITS, normaliseAccess } from '@quarry/search';
import { extractFile, linksOf } from '../extract';
import { documentId } from '../files';
import type { FetchedResponse, PoliteFetcher } from './http-fetch';
import { contentHash, ITEM_RULES, withAccess, type SourceItem, type StoredItem } from './source-items';
import type { SourceDefinition } from './source.dto';

export const CRAWLER_USER_AGENT = 'QuarryBot';
const MAX_STORED_LINKS_BYTES = 8_000;

/** The page's URL without its origin, as ids and reports name it (`/guide/install?x=1`). */
const pathOf = (url: URL) => `${url.pathname}${url.search}` || '/';

/** The URL if it is on `origin`; a sitemap may list anything, the crawl never leaves its site. */
function onOrigin(location: string, origin: string): string | undefined {
  try {
    const url = new URL(location);
    return url.origin === origin ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `<loc>` URLs of a sitemap that are on the sitemap's own origin; a sitemap index is followed one
 * level down, to the sitemaps on that origin only (an index listing other hosts sends no request there).
 */
async function sitemapUrls(
  url: string,
  fetcher: PoliteFetcher,
  signal: AbortSignal,
  depth = 0,
): Promise<string[]> {
  const origin = new URL(url).origin;
  const response = await fetcher.get(url, { accept: 'application/xml, text/xml' }, signal);
  if (response.status !== 200) throw new Error(`sitemap ${url}: HTTP ${response.status}`);
  const xml = response.body.toString('utf8');
  const locations = [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/g)]
    .map((m) => onOrigin(m[1].replace(/&amp;/g, '&'), origin))
    .filter((location): location is string => location !== undefined);
  if (/<sitemapindex/i.test(xml) && depth === 0) {
    const nested: string[] = [];
    for (const location of locations) nested.push(...(await sitemapUrls(location, fetcher, signal, 1)));
    return nested;
  }
  return locations;
}

/** Links kept in a page's metadata, so a page answered 304 still leads the crawl to its links. */
function storableLinks(links: string[]): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (const link of links) {
    bytes += link.length + 3;
    if (bytes > MAX_STORED_LINKS_BYTES) break;
    kept.push(link);
  }
  return kept;
}

/**
 * The pages of a site: breadth-first from the start URL (or the URLs of a sitemap), same origin
 * only (links, sitemap entries and redirects elsewhere are not followed), at most `maxDepth` links away and `maxPages` pages, as robots.txt allows (its Crawl-delay
 * slows the fetcher down), with conditional requests (If-None-Match / If-Modified-Since) so a page
 * the server says is unchanged is neither downloaded nor embedded again.
 */
export async function* webItems(
  source: SourceDefinition,
  stored: Map<string, StoredItem>,
  signal: AbortSignal,
  fetcher: PoliteFetcher,
): AsyncGenerator<SourceItem> {
  const start = new URL(source.url!);
  const origin = start.origin;
  const maxDepth = source.maxDepth ?? 3;
  const maxPages = source.maxPages ?? 500;
  const access = normaliseAccess(source.access);

  const robotsUrl = `${origin}/robots.txt`;
  const robotsResponse = await fetcher.get(robotsUrl, {}, signal).catch(() => undefined);
  const robots = robotsParser(
    robotsUrl,
    robotsResponse?.status === 200 ? robotsResponse.body.toString('utf8') : '',
  );
  const delay = robots.getCrawlDelay(CRAWLER_USER_AGENT);
  if (delay) fetcher.slowDown(delay * 1000);

  const seeds = source.sitemap ? await sitemapUrls(source.url!, fetcher, signal) : [start.toString()];
  const queue: { url: string; depth: number }[] = seeds.map((url) => ({ url, depth: 0 }));
  const queued = new Set(queue.map((q) => q.url));
  let pages = 0;
  const enqueue = (links: string[], depth: number) => {
    if (depth > maxDepth) return;
    for (const link of links) {
      if (new URL(link).origin !== origin || queued.has(link)) continue;
      queued.add(link);
      queue.push({ url: link, depth });
    }
  };

  while (queue.length) {
    if (pages >= maxPages) {
      yield {
        kind: 'incomplete',
        reason: `stopped at maxPages (${maxPages}) with ${queue.length} pages left`,
      };
      return;
    }
    signal.throwIfAborted();
    const { url, depth } = queue.shift()!;
    const parsed = new URL(url);
    if (parsed.origin !== origin) continue;
    const id = documentId(source.name, pathOf(parsed).replace(/^\//, '') || 'index');
    if (robots.isDisallowed(url, CRAWLER_USER_AGENT)) {
      yield { kind: 'skipped', id, origin: pathOf(parsed), reason: 'disallowed by robots.txt' };
      continue;
    }
    pages++;
    const previous = stored.get(id);
    // Validators only for a page stored under the current rules (`ITEM_RULES`): a 304 keeps what
    // is stored, and what older rules made of a page must be made again (its hash says so once read).
    const conditional: Record<string, string> = {};
    if (previous?.item_rules === ITEM_RULES) {
      if (typeof previous.etag === 'string') conditional['if-none-match'] = previous.etag;
      if (typeof previous.last_modified === 'string')
        conditional['if-modified-since'] = previous.last_modified;
    }
    let response: FetchedResponse;
    try {
      response = await fetcher.get(
        url,
        { accept: 'text/html, application/xhtml+xml, */*;q=0.5', ...conditional },
        signal,
      );
    } catch (error) {
      yield { kind: 'skipped', id, origin: pathOf(parsed), reason: (error as Error).message };
      continue;
    }
    if (response.status === 304) {
      enqueue((previous?.links as string[] | undefined) ?? [], depth + 1);
      yield { kind: 'unchanged', id, origin: pathOf(parsed) };
      continue;
    }
    if (response.status !== 200) {
      yield { kind: 'skipped', id, origin: pathOf(parsed), reason: `HTTP ${response.status}` };
      continue;
    }
    // The source's fetcher refuses such redirects already; a fetcher that follows them must not widen the crawl.
    if (new URL(response.url).origin !== origin) {
      yield {
        kind: 'skipped',
        id,
        origin: pathOf(parsed),
        reason: `redirected off the site to ${response.url}`,
      };
      continue;
    }
    const type = response.headers.get('content-type') ?? '';
    const isHtml = /html/i.test(type);
    const links = isHtml ? linksOf(response.body.toString('utf8'), response.url) : [];
    enqueue(links, depth + 1);
    const hash = withAccess(contentHash(response.body), access);
    if (previous?.item_hash === hash) {
      yield { kind: 'unchanged', id, origin: pathOf(parsed) };
      continue;
    }
    const extracted = await extractFile(
      response.body,
      isHtml ? 'page.html' : parsed.pathname.split('/').pop() || 'page',
    );
    if (extracted.kind === 'skipped') {
      yield { kind: 'skipped', id, origin: pathOf(parsed), reason: extracted.reason };
      continue;
    }
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    yield {
      kind: 'document',
      id,
      origin: pathOf(parsed),
      hash,
      document: {
        id,
        title: (extracted.title || pathOf(parsed)).slice(0, LIMITS.titleLength),
        body: extracted.text.slice(0, LIMITS.bodyLength),
        source: url.slice(0, LIMITS.sourceLength),
        collection: source.collection,
        ...(source.tags?.length ? { tags: source.tags } : {}),
        ...(access ? { access } : {}),
        metadata: {
          quarry_source: source.name,
          item_hash: hash,
          url,
          format: extracted.format,
          ...(etag ? { etag } : {}),
          ...(lastModified ? { last_modified: lastModified } : {}),
          item_rules: ITEM_RULES,
          links: storableLinks(links),
        },
      },
    };
  }
}
