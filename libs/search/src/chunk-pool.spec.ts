import { chunkBodies, INLINE_CHUNKING_CHARS } from './chunk-pool';
import { withPageLabels } from './page-labels';
import { chunkDocument } from './structured-chunker';

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu'.split(' ');

/** A Markdown body of about `chars` characters: sections of sentences, and a page marker now and then. */
function body(chars: number, seed = 0): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = seed; length < chars; i++) {
    const part =
      (i % 400 === 0 ? `\n\n## Section ${i}\n\n` : '') +
      WORDS[i % WORDS.length] +
      (i % 17 === 0 ? '. ' : ' ');
    parts.push(part);
    length += part.length;
  }
  return parts.join('').slice(0, chars);
}

/**
 * How many turns the event loop took while `work` ran: a timer every millisecond counts them.
 * Held by the work, it takes none until the work is done; counted in turns, not milliseconds, so
 * neither a busy machine that takes the core away (other test workers) nor a garbage collection
 * reads as a stall.
 */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  try {
    await new Promise((resolve) => setTimeout(resolve, 5));
    turns = 0;
    await work();
    return turns;
  } finally {
    clearInterval(timer);
  }
}

describe('chunkBodies', () => {
  it('gives each body the chunks chunkDocument gives it, with page labels, short and long alike', async () => {
    const short = body(2_000);
    // Pages (form feeds), the first two labelled i and ii, then 1, 2, ... as printed.
    const long = Array.from({ length: 8 }, (_, page) => body(INLINE_CHUNKING_CHARS / 2, page)).join('\f');
    const labels = [
      [1, 'i'],
      [3, '1'],
    ];
    const chunked = await chunkBodies([{ body: short }, { body: long, pageLabels: labels }, { body: '' }]);
    expect(chunked).toEqual([
      chunkDocument(short),
      withPageLabels(chunkDocument(long), labels),
      chunkDocument(''),
    ]);
    expect(chunked[1].map((chunk) => chunk.location.pageLabel)).toContain('ii');
    expect(chunked[1].at(-1)?.location.pageLabel).toBe('6');
  });

  // A bulk request may carry 20 MB of bodies; chunked in one go on the event loop (before), each
  // 1,000,000-character body held every other request for 25-50 ms, and all of them together for
  // seconds.
  it('keeps the event loop turning while long bodies are chunked (in workers)', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => ({ body: body(1_000_000, i) }));
    await chunkBodies([bodies[0]]); // the worker is started outside the measured window
    expect(await turnsDuring(() => chunkBodies(bodies))).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('gives the event loop turns between short bodies chunked on it', async () => {
    const bodies = Array.from({ length: 400 }, (_, i) => ({ body: body(INLINE_CHUNKING_CHARS, i) }));
    expect(await turnsDuring(() => chunkBodies(bodies))).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
