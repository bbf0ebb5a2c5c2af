import { Worker } from 'node:worker_threads';
import { skipped, tidy, type Extraction } from './extraction';

interface PdfText {
  pages: string[];
  title?: string;
  error?: string;
}

/*
 * PDF.js is an ES module that unpdf loads with a dynamic import. It runs in a worker thread: the
 * parsing is CPU-bound and stays off the event loop, and the worker is plain Node whatever loaded
 * this module (test runners that sandbox modules cannot do dynamic imports).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { extractText, getDocumentProxy } = require(workerData.unpdf);
parentPort.on('message', async ({ id, bytes }) => {
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(pdf, { mergePages: false });
    let title;
    try {
      const info = (await pdf.getMetadata()).info;
      if (info && typeof info.Title === 'string') title = info.Title.trim() || undefined;
    } catch {}
    parentPort.postMessage({ id, pages: text, title });
  } catch (error) {
    parentPort.postMessage({ id, pages: [], error: String((error && error.message) || error) });
  } finally {
    try { if (pdf && pdf.destroy) await pdf.destroy(); } catch {}
  }
});
`;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (r: PdfText) => void; reject: (e: Error) => void }>();

function pdfWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(WORKER_SOURCE, { eval: true, workerData: { unpdf: require.resolve('unpdf') } });
  created.unref();
  created.on('message', (message: PdfText & { id: number }) => {
    pending.get(message.id)?.resolve(message);
    pending.delete(message.id);
  });
  const fail = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  created.on('error', fail);
  created.on('exit', (code) => fail(new Error(`PDF worker exited with ${code}`)));
  worker = created;
  return created;
}

function readPdf(bytes: Buffer): Promise<PdfText> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    const target = pdfWorker();
    // The worker is only kept alive while it has work, so a finished CLI run exits.
    target.ref();
    target.postMessage({ id, bytes });
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  }) as Promise<PdfText>;
}

/** A PDF: the text of every page, pages separated by form feeds; the title from its metadata. */
export async function extractPdf(bytes: Buffer): Promise<Extraction> {
  const { pages, title, error } = await readPdf(bytes);
  if (error)
    return skipped(/password/i.test(error) ? 'encrypted PDF (needs a password)' : `unreadable PDF: ${error}`);
  const texts = pages.map((page) => tidy(page));
  if (!texts.some(Boolean))
    return skipped(`PDF of ${pages.length} pages without a text layer (scanned images need OCR)`);
  return { kind: 'extracted', format: 'pdf', title, text: texts.join('\n\f'), pages: pages.length };
}
