import type { Principal } from '@quarry/core';
import { searchScopeOf, subjectOf, type SearchInput, type SearchService } from '@quarry/search';
import type { LiveQueryRepository } from './live-query.repository';
import type { LiveQuery } from './live-types';

/** What compiling a live query needs of the one search implementation. */
export type LiveSearch = Pick<SearchService, 'resolve' | 'queryVector' | 'search'>;

export interface LiveQueryCompilerOptions {
  /** Floor of the similarity a semantic match needs, whatever the corpus. */
  minSimilarity: number;
}

/**
 * Turns a subscription's search input into the live query every instance matches against: its
 * scope resolved exactly as the search resolves it (`@words` scope only when the collection
 * exists, an unknown `collection` is refused), its words analysed by the docs index's analysers,
 * and for semantic and hybrid queries its embedding and similarity bar.
 */
export class LiveQueryCompiler {
  constructor(
    private readonly repository: Pick<LiveQueryRepository, 'analyseQuery'>,
    private readonly search: LiveSearch,
    private readonly options: LiveQueryCompilerOptions,
  ) {}

  async compile(
    input: SearchInput,
    principal: Principal,
    subscription: Pick<LiveQuery, 'subscriptionId' | 'instance'>,
  ): Promise<Omit<LiveQuery, 'expiresAt'>> {
    const mode = input.mode ?? 'hybrid';
    const { text, scope } = await this.search.resolve(input, searchScopeOf(principal));
    // Matched by what the query asks about, as a search is (`subjectOf`): "how do I" is in every document.
    const terms =
      text && mode !== 'semantic'
        ? await this.repository.analyseQuery(subjectOf(text))
        : { english: [], standard: [] };
    const semantic = text && mode !== 'lexical';
    return {
      ...subscription,
      owner: principal.id,
      mode,
      text,
      // Plain JSON: the query is stored and announced as it is held here.
      scope: JSON.parse(JSON.stringify(scope)),
      terms,
      ...(semantic
        ? {
            vector: await this.search.queryVector(text),
            threshold: await this.semanticBar(input, principal),
          }
        : {}),
      createdAt: new Date().toISOString(),
    };
  }

  /**
   * The similarity a new document needs to be delivered: at least `minSimilarity`, and at least
   * that of the k-th best document now (k = the query's page size), i.e. it would enter the
   * subscriber's first page. Elasticsearch's cosine score is (1 + cos) / 2.
   */
  private async semanticBar(input: SearchInput, principal: Principal): Promise<number> {
    const k = input.size ?? 10;
    const page = await this.search.search(
      { ...input, mode: 'semantic', from: 0, size: k, highlight: false },
      searchScopeOf(principal),
    );
    const kth = page.hits[k - 1];
    return Math.max(this.options.minSimilarity, kth ? 2 * kth.score - 1 : -1);
  }
}
