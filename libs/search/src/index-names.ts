export type IndexKind = 'docs' | 'vectors' | 'meta' | 'live' | 'audit';

export const INDEX_KINDS: readonly IndexKind[] = ['docs', 'vectors', 'meta', 'live', 'audit'];

/** Alias names (`quarry-docs`, ...); the versioned indices behind them are `<alias>-v<version>`. */
export type IndexNames = Record<IndexKind, string>;

export function indexNames(prefix: string): IndexNames {
  return {
    docs: `${prefix}-docs`,
    vectors: `${prefix}-vectors`,
    meta: `${prefix}-meta`,
    live: `${prefix}-live`,
    audit: `${prefix}-audit`,
  };
}
