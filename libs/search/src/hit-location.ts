import type { ChunkRepository, StoredChunk } from './chunk.repository';
import type { SearchResult } from './search.dto';

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
const plainText = (html: string) =>
  html.replace(/<\/?em>/g, '').replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);

/**
 * The chunk a hit's snippet came from: the chunk that contains the snippet's text (a chunk excerpt
 * or a highlighted fragment), else the one holding most of the highlighted words.
 */
export function bestChunk(snippet: string, chunks: StoredChunk[]): StoredChunk | undefined {
  if (chunks.length <= 1) return chunks[0];
  const text = normalise(plainText(snippet).replace(/…$/, ''));
  const probe = text.slice(0, 80);
  if (probe.length >= 12) {
    const containing = chunks.find((c) => normalise(c.text).includes(probe));
    if (containing) return containing;
  }
  const words = [...snippet.matchAll(/<em>(.*?)<\/em>/g)].map((m) => m[1].toLowerCase());
  if (words.length === 0) return undefined;
  let best: StoredChunk | undefined;
  let bestCount = 0;
  for (const chunk of chunks) {
    const lower = chunk.text.toLowerCase();
    const count = words.filter((w) => lower.includes(w)).length;
    if (count > bestCount) [best, bestCount] = [chunk, count];
  }
  return best;
}

/** Adds to every hit the location (page, heading path, lines) and number of the chunk it came from. */
export async function locateHits(
  result: SearchResult,
  chunks: ChunkRepository,
  signal?: AbortSignal,
): Promise<SearchResult> {
  if (result.hits.length === 0) return result;
  const byDocument = await chunks.ofDocuments(
    result.hits.map((h) => h.id),
    2_000,
    signal,
  );
  return {
    ...result,
    hits: result.hits.map((hit) => {
      const chunk = bestChunk(hit.snippet, byDocument.get(hit.id) ?? []);
      return chunk?.location ? { ...hit, location: { ...chunk.location, chunk: chunk.chunk_no } } : hit;
    }),
  };
}

/** `p. 3, Install > Debian, lines 40-52` for texts agents and people read. */
export function describeLocation(location: { page?: number; heading?: string[]; lines?: number[] }): string {
  return [
    location.page !== undefined ? `p. ${location.page}` : undefined,
    location.heading?.length ? location.heading.join(' > ') : undefined,
    location.lines ? `lines ${location.lines[0]}-${location.lines[1]}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
