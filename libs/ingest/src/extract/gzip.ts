import { gunzipSync } from 'node:zlib';
import { mib } from './limits';

/** Whether `bytes` are gzip-compressed (its magic bytes). */
export const isGzip = (bytes: Buffer) => bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * `bytes` inflated, or why not: they expand beyond `maxBytes` (inflating stops at the limit, so it
 * is never exceeded in memory), or they are not valid gzip.
 */
export function gunzipWithin(bytes: Buffer, maxBytes: number): Buffer | string {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? `gzip content expands to more than the limit of ${mib(maxBytes)}`
      : `corrupt gzip: ${(error as Error).message}`;
  }
}
