import JSZip from 'jszip';
import { zipRefusal } from './zip-parts';

const MIB = 1024 * 1024;
const LIMITS = { zipPartBytes: MIB, zipTotalBytes: 1.5 * MIB, zipEntries: 10 };

async function zipOf(
  parts: Record<string, string>,
  compression: 'DEFLATE' | 'STORE' = 'DEFLATE',
): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(parts)) zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression });
}

/** Writes `size` as the uncompressed size every central directory entry declares. */
function declareSizes(zip: Buffer, size: number): Buffer {
  const lied = Buffer.from(zip);
  for (let at = lied.indexOf('PK\x01\x02'); at >= 0; at = lied.indexOf('PK\x01\x02', at + 4))
    lied.writeUInt32LE(size, at + 24);
  return lied;
}

describe('zipRefusal', () => {
  it('lets a container whose parts are within the limits through', async () => {
    expect(
      zipRefusal(await zipOf({ 'word/document.xml': '<w:document/>', 'a.xml': 'x'.repeat(900_000) }), LIMITS),
    ).toBe(undefined);
    expect(zipRefusal(await zipOf({ 'a.xml': 'stored' }, 'STORE'), LIMITS)).toBe(undefined);
  });

  it('refuses a part that inflates past the limit, naming the part and the limit', async () => {
    const bomb = await zipOf({ 'word/document.xml': 'a'.repeat(3_000_000) });
    expect(bomb.length).toBeLessThan(20_000);
    expect(zipRefusal(bomb, LIMITS)).toBe(
      'word/document.xml expands to more than the limit of 1 MiB per part',
    );
  });

  it('measures while inflating: a part that declares a small size is stopped at the limit all the same', async () => {
    const bomb = declareSizes(await zipOf({ 'word/document.xml': 'a'.repeat(3_000_000) }), 100);
    expect(zipRefusal(bomb, LIMITS)).toBe(
      'word/document.xml expands to more than the limit of 1 MiB per part',
    );
  });

  it('refuses parts that together inflate past the total limit', async () => {
    const parts = { 'a.xml': 'a'.repeat(900_000), 'b.xml': 'b'.repeat(900_000) };
    expect(zipRefusal(declareSizes(await zipOf(parts), 0), LIMITS)).toBe(
      'ZIP container expands to more than the limit of 1.5 MiB (at b.xml)',
    );
  });

  it('refuses too many parts and containers it cannot read', async () => {
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`p${n}.xml`, 'x']));
    expect(zipRefusal(await zipOf(many), LIMITS)).toBe(
      'ZIP container of 11 parts, more than the limit of 10',
    );
    expect(zipRefusal(Buffer.from('PK\x03\x04 not really a zip'), LIMITS)).toMatch(/^corrupt ZIP container/);
  });
});
