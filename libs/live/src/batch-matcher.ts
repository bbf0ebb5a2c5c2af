import type { ChangedDocument } from '@quarry/search';
import type { LiveFanOut } from './live-fan-out';
import type { MatchDocument } from './live-matcher';
import type { LiveQueryRepository } from './live-query.repository';
import type { LiveRegistry } from './live-registry';
import type { LiveCounters, LiveEvent } from './live-types';

/**
 * Matches one ingest batch, on the instance that ingested it and after the write: announces the
 * changes, makes sure every live query registered so far is known here, analyses the documents
 * once (terms for lexical queries, stored chunks for semantic ones when the ingest reused
 * vectors), matches them against every live query and routes the matches to their instances.
 */
export class BatchMatcher {
  constructor(
    private readonly repository: Pick<LiveQueryRepository, 'analyseDocuments' | 'chunks'>,
    private readonly registry: Pick<LiveRegistry, 'catchUp' | 'queries'>,
    private readonly fanOut: Pick<LiveFanOut, 'announceChanges' | 'route'>,
    private readonly deliverHere: (events: LiveEvent[]) => void,
    private readonly counters: Pick<LiveCounters, 'matchedEvents'>,
  ) {}

  async match(changed: ChangedDocument[]): Promise<void> {
    await this.fanOut.announceChanges(
      changed.map(({ id, change, collection, access }) => ({
        id,
        change,
        collection,
        ...(access ? { access } : {}),
      })),
    );
    await this.registry.catchUp();
    const queries = this.registry.queries;
    if (queries.size === 0) return;
    const batch: MatchDocument[] = changed.map((c) => ({
      id: c.id,
      change: c.change,
      collection: c.collection,
      ...(c.access ? { access: c.access } : {}),
      document: c.document,
      chunks: c.chunks,
      ...(c.documentVector ? { documentVector: c.documentVector } : {}),
    }));
    const written = batch.filter((b) => b.document);
    if (queries.hasLexical && written.length) {
      const terms = await retry(() =>
        this.repository.analyseDocuments(
          written.map((b) => ({ title: b.document!.title, body: b.document!.body })),
        ),
      );
      written.forEach((b, i) => (b.terms = terms[i]));
    }
    const reused = written.filter((b) => !b.chunks && (b.document!.chunk_count ?? 0) > 0);
    if (queries.hasSemantic && reused.length) {
      const stored = await retry(() =>
        this.repository.chunks(reused.map((b) => ({ id: b.id, chunkCount: b.document!.chunk_count! }))),
      );
      for (const b of reused) {
        const found = stored.get(b.id);
        b.chunks = found?.chunks ?? [];
        if (found?.documentVector) b.documentVector = found.documentVector;
      }
    }
    const events = queries.match(batch, Date.now());
    this.counters.matchedEvents += events.length;
    await this.fanOut.route(events, this.deliverHere);
  }
}

/** Analysis requests are retried a little: a batch whose analysis fails is lost to live subscribers. */
async function retry<T>(task: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
