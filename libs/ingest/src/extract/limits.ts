const MIB = 1024 * 1024;

/**
 * Bounds on the work one file may cause. Input is small on the wire and can be huge as work (a
 * 153 KB DOCX that inflates to 50 MB, a 25 KB .html.gz of 8 MB, a 1 MB PDF of 100,000 pages), so
 * every size is checked while the work happens, before the expensive step, and the whole extraction
 * runs in a worker thread that is killed when it outlives its time or memory. Each limit is named in
 * the reason a refused file is skipped with.
 */
export const EXTRACTION_LIMITS = {
  /** Bytes of a file read from disk (directory sources, `quarry ingest`); uploads have their own, smaller limit. */
  fileBytes: 100 * MIB,
  /** Wall-clock time of one extraction, from the moment a worker takes it. */
  timeMs: 30_000,
  /** V8 heap (old generation) of an extraction worker; Buffers are bounded by the sizes below. */
  memoryMb: 512,
  /** Decompressed size of a `.gz` file, enforced while inflating. */
  gzipBytes: 64 * MIB,
  /** Inflated size of one part of a ZIP container (DOCX), enforced while inflating. */
  zipPartBytes: 20 * MIB,
  /** Inflated size of all parts of a ZIP container together. */
  zipTotalBytes: 64 * MIB,
  /** Parts of a ZIP container. */
  zipEntries: 10_000,
  /** HTML parsed into a DOM (a page, or what a DOCX converts to): parsing is the slow step. */
  htmlBytes: 5 * MIB,
  /** Pages of a PDF, checked before any page is read. */
  pdfPages: 2_000,
} as const;

/** The limits an extraction works under: EXTRACTION_LIMITS and the characters a document may hold. */
export type ExtractionLimits = { -readonly [K in keyof typeof EXTRACTION_LIMITS]: number } & {
  /** Characters of text a document may hold (LIMITS.bodyLength), checked as text accumulates. */
  maxChars: number;
};

/** `12.3 MiB`, or `98 KiB` below a mebibyte, for reasons that name a size. */
export function mib(bytes: number): string {
  if (bytes < MIB) return `${Math.round(bytes / 1024)} KiB`;
  const value = bytes / MIB;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/** Why a file read from disk is skipped unread: it is over EXTRACTION_LIMITS.fileBytes (or `limit`). */
export function fileTooLarge(size: number, limit: number = EXTRACTION_LIMITS.fileBytes): string {
  return `file of ${mib(size)}, more than the limit of ${mib(limit)}`;
}
