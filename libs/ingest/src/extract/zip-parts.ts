import { inflateRawSync } from 'node:zlib';
import { mib, type ExtractionLimits } from './limits';

export type ZipLimits = Pick<ExtractionLimits, 'zipPartBytes' | 'zipTotalBytes' | 'zipEntries'>;

const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * Why a ZIP container (DOCX) must not be opened, or undefined when it may. Every part is inflated
 * with a bound on its output (zlib's maxOutputLength), so a part that claims 1 KB and inflates to
 * gigabytes is stopped at the limit instead of after; only then does mammoth (which inflates whole
 * parts into memory) read the file. Declared sizes are checked first, as they are free to check.
 */
export function zipRefusal(bytes: Buffer, limits: ZipLimits): string | undefined {
  const end = bytes.lastIndexOf(END_OF_CENTRAL_DIRECTORY);
  if (end < 0 || end + 22 > bytes.length) return 'corrupt ZIP container (no central directory)';
  const entries = bytes.readUInt16LE(end + 10);
  const directoryOffset = bytes.readUInt32LE(end + 16);
  if (entries === 0xffff || directoryOffset === 0xffffffff) return 'ZIP64 container (not read)';
  if (entries > limits.zipEntries)
    return `ZIP container of ${entries} parts, more than the limit of ${limits.zipEntries}`;
  let total = 0;
  let at = directoryOffset;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_ENTRY)
      return 'corrupt ZIP container (bad central directory)';
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const declaredSize = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    at = next;

    const partLimit = Math.min(limits.zipPartBytes, limits.zipTotalBytes - total);
    const tooLarge = () =>
      partLimit < limits.zipPartBytes
        ? `ZIP container expands to more than the limit of ${mib(limits.zipTotalBytes)} (at ${name})`
        : `${name} expands to more than the limit of ${mib(limits.zipPartBytes)} per part`;
    if (declaredSize > partLimit) return tooLarge();
    if (localOffset + 30 > bytes.length || bytes.readUInt32LE(localOffset) !== LOCAL_HEADER)
      return `corrupt ZIP container (bad local header of ${name})`;
    const dataStart =
      localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    const data = bytes.subarray(dataStart, dataStart + compressedSize);
    if (data.length < compressedSize) return `corrupt ZIP container (${name} is cut short)`;
    if (method === STORED) {
      if (compressedSize > partLimit) return tooLarge();
      total += compressedSize;
    } else if (method === DEFLATED) {
      try {
        total += inflateRawSync(data, { maxOutputLength: Math.max(1, partLimit) }).length;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge();
        return `corrupt ZIP container (${name}: ${(error as Error).message})`;
      }
    } else {
      return `${name} uses ZIP compression method ${method} (only stored and deflated parts are read)`;
    }
  }
  return undefined;
}

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

/** The entries of a ZIP's central directory, in order; none past a corrupt one. */
function* centralEntries(bytes: Buffer): Generator<CentralEntry> {
  const end = bytes.lastIndexOf(END_OF_CENTRAL_DIRECTORY);
  if (end < 0 || end + 22 > bytes.length) return;
  const entries = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  for (let n = 0; n < entries && at + 46 <= bytes.length; n++) {
    if (bytes.readUInt32LE(at) !== CENTRAL_ENTRY) return;
    const nameLength = bytes.readUInt16LE(at + 28);
    yield {
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      localOffset: bytes.readUInt32LE(at + 42),
    };
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
}

/** The names of a ZIP's parts, from its central directory (never from the bytes of a part). */
export const zipEntryNames = (bytes: Buffer): Set<string> =>
  new Set(Array.from(centralEntries(bytes), (entry) => entry.name));

/**
 * One part of a ZIP container that zipRefusal accepted (so its sizes are within the limits), or
 * undefined when it has no such part. Reads what mammoth does not: `docProps/core.xml`.
 */
export function zipPart(bytes: Buffer, wanted: string, limits: ZipLimits): Buffer | undefined {
  for (const { name, method, compressedSize, localOffset } of centralEntries(bytes)) {
    if (name !== wanted) continue;
    if (localOffset + 30 > bytes.length || bytes.readUInt32LE(localOffset) !== LOCAL_HEADER) return undefined;
    const dataStart =
      localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    const data = bytes.subarray(dataStart, dataStart + compressedSize);
    try {
      if (method === STORED) return data.length <= limits.zipPartBytes ? data : undefined;
      if (method === DEFLATED) return inflateRawSync(data, { maxOutputLength: limits.zipPartBytes });
    } catch {
      return undefined;
    }
    return undefined;
  }
  return undefined;
}
