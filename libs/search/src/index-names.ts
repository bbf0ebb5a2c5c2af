export type IndexKind = 'docs' | 'vectors' | 'meta' | 'live';

export const INDEX_KINDS: readonly IndexKind[] = ['docs', 'vectors', 'meta', 'live'];

/** Alias names (`quarry-docs`, ...); the versioned indices behind them are `<alias>-v<version>`. */
export type IndexNames = Record<IndexKind, string>;

export function indexNames(prefix: string): IndexNames {
  return {
    docs: `${prefix}-docs`,
    vectors: `${prefix}-vectors`,
    meta: `${prefix}-meta`,
    live: `${prefix}-live`,
  };
}
