import { inflateRawSync } from 'node:zlib';
import { mib, type ExtractionLimits } from './limits';

export type ZipLimits = Pick<ExtractionLimits, 'zipPartBytes' | 'zipTotalBytes' | 'zipEntries'>;

const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * Why a ZIP container (Office documents, EPUB) must not be opened, or undefined when it may. Every
 * part is inflated with a bound on its output (zlib's maxOutputLength), so a part that claims 1 KB
 * and inflates to gigabytes is stopped at the limit instead of after; only then is the file read
 * (mammoth inflates whole parts into memory). Declared sizes are checked first, as they are free
 * to check.
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
  let read = 0;
  for (const entry of centralEntries(bytes)) {
    read++;
    const { name, method, compressedSize, declaredSize } = entry;
    const partLimit = Math.min(limits.zipPartBytes, limits.zipTotalBytes - total);
    const tooLarge = () =>
      partLimit < limits.zipPartBytes
        ? `ZIP container expands to more than the limit of ${mib(limits.zipTotalBytes)} (at ${name})`
        : `${name} expands to more than the limit of ${mib(limits.zipPartBytes)} per part`;
    if (declaredSize > partLimit) return tooLarge();
    const data = storedData(bytes, entry);
    if (typeof data === 'string') return data;
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
  // The walk stops at an entry that is not one, or at the end of the file.
  if (read < entries) return 'corrupt ZIP container (bad central directory)';
  return undefined;
}

/** An entry of a ZIP's central directory: a part's name, and where and how it is stored. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
}

/** The entries of a ZIP's central directory, in order; none past a corrupt one. */
function* centralEntries(bytes: Buffer): Generator<ZipEntry> {
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
      declaredSize: bytes.readUInt32LE(at + 24),
      localOffset: bytes.readUInt32LE(at + 42),
    };
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
}

/** A part's bytes as stored (compressed or not), after its local header; or why they cannot be read. */
function storedData(bytes: Buffer, { name, compressedSize, localOffset }: ZipEntry): Buffer | string {
  if (localOffset + 30 > bytes.length || bytes.readUInt32LE(localOffset) !== LOCAL_HEADER)
    return `corrupt ZIP container (bad local header of ${name})`;
  const dataStart =
    localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
  const data = bytes.subarray(dataStart, dataStart + compressedSize);
  return data.length < compressedSize ? `corrupt ZIP container (${name} is cut short)` : data;
}

/**
 * A ZIP's central directory by part name, read once (a package's readers ask for many parts); the
 * first entry of a name wins. Names come from the directory, never from the bytes of a part.
 */
export function zipDirectory(bytes: Buffer): Map<string, ZipEntry> {
  const directory = new Map<string, ZipEntry>();
  for (const entry of centralEntries(bytes)) if (!directory.has(entry.name)) directory.set(entry.name, entry);
  return directory;
}

/**
 * A part of a ZIP container that zipRefusal accepted (so its sizes are within the limits), inflated,
 * or undefined when it cannot be read.
 */
export function zipPart(bytes: Buffer, entry: ZipEntry | undefined, limits: ZipLimits): Buffer | undefined {
  const data = entry && storedData(bytes, entry);
  if (!data || typeof data === 'string') return undefined;
  try {
    if (entry.method === STORED) return data.length <= limits.zipPartBytes ? data : undefined;
    if (entry.method === DEFLATED) return inflateRawSync(data, { maxOutputLength: limits.zipPartBytes });
  } catch {
    return undefined;
  }
  return undefined;
}
