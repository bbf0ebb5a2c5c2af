/**
 * How far Quarry's semantic search is from its own model: for each corpus, the model's exact
 * whole-document ceiling (each document embedded as the model sees a whole document, title and
 * body cut at the model's max tokens with its passage prefix, ranked by exact cosine to the query
 * embedded with its query prefix) side by side with Quarry's semantic, lexical and hybrid modes on
 * the same documents and queries, MRR@10 / nDCG@10, and the gap. Then where the gap comes from,
 * each candidate measured on the same queries:
 *
 * - `chunks exact`: every chunk vector of the index, max-pooled by exact cosine (no HNSW): the
 *   loss of chunking and of the chunks' embedded text, apart from the graph search;
 * - `chunks kNN`: the kNN candidates Quarry fuses (HNSW, `num_candidates`), before the relevance
 *   floor: the graph search's loss;
 * - `semantic` (Quarry's mode): the same after the relevance floor;
 * - `document + chunks`: the whole-document vector and the chunk vectors in one max-pool (for
 *   every document, or only for a document of several chunks, as ingest would store it);
 * - `one-chunk documents as the ceiling embeds them`: the chunk text ingest embeds against the
 *   ceiling's own text of the same one-chunk document;
 * - `documents of several chunks by their whole-document vector only`: max-pooling's many draws
 *   per long document taken away (for all of them, or those the model reads whole);
 * - `documents that fit the window: first chunk + whole-document vector`: a short document's
 *   later chunks given its whole-document vector, its first chunk keeping its own;
 * - `max-pooled less λ ln(chunks)`: those draws discounted instead;
 * - `semantic, floor of one bar` and `hybrid, floor of one bar`: Quarry's modes with the floor an
 *   embedder without `knownWordShare` gets (one bar whatever the query's words), beside the
 *   model's bars by known words.
 *
 *   BENCH_CORPORA=manpages,wordnet,pydoc,appstream BENCH_DOCUMENTS=400 BENCH_QUERIES=200 node dist/bench/semantic-ceiling.js
 *
 * Indices bench-ceiling-<corpus>-*; whole-document vectors are kept in
 * bench/results/ceiling-vectors-<corpus>-<documents>.json so a second run embeds nothing again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Embedder } from '@quarry/embeddings';
import { IngestService } from '@quarry/ingest';
import {
  DocumentRepository,
  indexNames,
  poolChunks,
  meanScores,
  scoreRanking,
  SearchRepository,
  SearchService,
  setupIndices,
  wholeDocumentText as documentStart,
  type Grades,
  type RelevanceScores,
  type SearchMode,
} from '@quarry/search';
import { buildCorpus, type Corpus, type CorpusName } from './corpus';
import { dot, embedInRuns, normalised, rankExact, wholeDocumentText } from './exact';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { round, table, writeResult } from './stats';

const corpora = (process.env.BENCH_CORPORA ?? 'manpages,wordnet,pydoc,appstream').split(',') as CorpusName[];
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 400);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 200);
/** Also rank by whole-document vectors embedded in calls of 64, as ingest embeds chunks. */
const batchedCeiling = process.env.BENCH_BATCHED === '1';
/** Also re-embed every chunk alone (not in runs of many, as ingest does). */
const aloneChunks = process.env.BENCH_CHUNKS_ALONE === '1';
/** Also blend with a whole-document vector of only the first BENCH_SHORT_WHOLE words (a cheaper embedding). */
const shortWholeWords = Number(process.env.BENCH_SHORT_WHOLE ?? 0);
const prefixOf = (name: CorpusName) => process.env.BENCH_PREFIX ?? `bench-ceiling-${name}`;

async function wholeDocumentVectors(
  name: CorpusName,
  corpus: Corpus,
  embedder: Embedder,
  perRun: number,
): Promise<Map<string, number[]>> {
  const file = path.join(
    process.cwd(),
    'bench',
    'results',
    `ceiling-vectors-${name}-${documentsPerCorpus}-${embedder.model.id.replace(/\W+/g, '-')}-${perRun === 1 ? 'alone' : 'batched'}.json`,
  );
  if (fs.existsSync(file)) {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number[]>;
    if (corpus.documents.every((d) => cached[d.id])) return new Map(Object.entries(cached));
  }
  const vectors = await embedInRuns(
    corpus.documents.map(wholeDocumentText),
    (batch) => embedder.embedPassages(batch),
    `whole documents, ${perRun} per run`,
    perRun,
  );
  const byId = new Map(corpus.documents.map((d, i) => [d.id, vectors[i]]));
  writeResult(path.basename(file, '.json'), Object.fromEntries(byId));
  return byId;
}

interface IndexedChunk {
  docId: string;
  chunkNo: number;
  vector: number[];
  /** The text ingest embedded: the title and heading path, then the chunk's own text. */
  embedded: string;
}

/** Every chunk vector of the index: the exact side of the kNN search. */
async function chunkVectors(client: Client, index: string, corpus: Corpus): Promise<IndexedChunk[]> {
  const titles = new Map(corpus.documents.map((d) => [d.id, d.title]));
  const out: IndexedChunk[] = [];
  let page = await client.search<{
    doc_id: string;
    chunk_no: number;
    embedding: number[];
    text: string;
    location?: { heading?: string[] };
  }>({
    index,
    scroll: '2m',
    size: 500,
    _source: ['doc_id', 'chunk_no', 'embedding', 'text', 'location'],
    sort: ['_doc'],
  });
  while (page.hits.hits.length > 0) {
    for (const hit of page.hits.hits) {
      const source = hit._source!;
      const context = [titles.get(source.doc_id), ...(source.location?.heading ?? [])].filter(Boolean);
      out.push({
        docId: source.doc_id,
        chunkNo: source.chunk_no,
        vector: normalised(source.embedding),
        embedded: context.length ? `${context.join(' > ')}. ${source.text}` : source.text,
      });
    }
    page = await client.scroll({ scroll_id: page._scroll_id!, scroll: '2m' });
  }
  if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id });
  return out;
}

async function indexCorpus(client: Client, embedder: Embedder, name: CorpusName, corpus: Corpus) {
  const prefix = prefixOf(name);
  const indices = indexNames(prefix);
  await setupIndices(client, prefix, embedder);
  const count = (await client.count({ index: indices.docs })).count;
  if (count !== corpus.documents.length) {
    process.stdout.write(`  indexing ${corpus.documents.length} documents (found ${count})\n`);
    const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices);
    const started = performance.now();
    for (let i = 0; i < corpus.documents.length; i += 50) {
      await ingest.ingest(corpus.documents.slice(i, i + 50), { wait: true });
      process.stdout.write(
        `\r  ingested ${Math.min(i + 50, corpus.documents.length)} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    process.stdout.write('\n');
    await client.indices.refresh({ index: [indices.docs, indices.vectors] });
  }
  return indices;
}

type Row = Record<string, string | number>;

function main() {
  return withSearchCore(async ({ client, embedder }) => {
    const summary: Row[] = [];
    const diagnosis: Row[] = [];
    for (const name of corpora) {
      const corpus = await buildCorpus(name, { documents: documentsPerCorpus, queries: queriesPerCorpus });
      process.stdout.write(
        `${name}: ${corpus.documents.length} documents, ${corpus.queries.length} queries\n`,
      );
      const indices = await indexCorpus(client, embedder, name, corpus);
      const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
      // The relevance floor as an embedder that cannot tell known words from fragments gets it: one bar.
      const singleBar = new SearchService(
        new SearchRepository(client, indices.docs),
        {
          id: embedder.id,
          dims: embedder.dims,
          model: embedder.model,
          embedQueries: (texts, signal) => embedder.embedQueries(texts, signal),
          embedPassages: (texts, signal) => embedder.embedPassages(texts, signal),
          close: () => Promise.resolve(),
          knownWordShare: () => undefined,
        },
        indices,
      );
      const documents = await wholeDocumentVectors(name, corpus, embedder, 1);
      const shortWholes = shortWholeWords
        ? new Map(
            (
              await embedInRuns(
                corpus.documents.map((d) => documentStart(d.title, d.body, shortWholeWords)),
                (batch) => embedder.embedPassages(batch),
                `documents' first ${shortWholeWords} words`,
                1,
              )
            ).map((vector, i) => [corpus.documents[i].id, vector]),
          )
        : undefined;
      const batchedDocuments = batchedCeiling
        ? await wholeDocumentVectors(name, corpus, embedder, 64)
        : undefined;
      const chunks = await chunkVectors(client, indices.vectors, corpus);
      // The same chunk texts, each embedded alone: what batching at ingest costs.
      const chunksAlone = aloneChunks
        ? await embedInRuns(
            chunks.map((c) => c.embedded),
            (batch) => embedder.embedPassages(batch),
            'chunks, one per run',
            1,
          )
        : undefined;
      const queryVectors = await embedInRuns(
        corpus.queries.map((q) => q.text),
        (batch) => embedder.embedQueries(batch),
        'queries',
        1,
      );
      const chunkCounts = new Map<string, number>();
      for (const c of chunks) chunkCounts.set(c.docId, (chunkCounts.get(c.docId) ?? 0) + 1);
      const several = [...chunkCounts.values()].filter((n) => n > 1).length;
      // Documents the model reads whole: their text with the passage prefix is not cut at its max tokens.
      const onnx = embedder as unknown as { tokenize(text: string): number[] };
      const fits = new Set(
        corpus.documents
          .filter((d) => onnx.tokenize(embedder.model.passagePrefix + wholeDocumentText(d)).length < 512)
          .map((d) => d.id),
      );
      process.stdout.write(
        `  ${[...chunkCounts].filter(([id, n]) => n > 1 && fits.has(id)).length} documents of several chunks fit the window\n`,
      );
      process.stdout.write(
        `  ${chunks.length} chunks; ${several} of ${chunkCounts.size} documents have several\n`,
      );
      const documentList = [...documents].map(([id, vector]) => ({ id, vector }));
      // Each document's chunk vectors summed and normalised: a document vector from its chunks.
      const centroids = new Map<string, number[]>();
      for (const c of chunks) {
        const sum = centroids.get(c.docId) ?? new Array<number>(c.vector.length).fill(0);
        for (let i = 0; i < sum.length; i++) sum[i] += c.vector[i];
        centroids.set(c.docId, sum);
      }
      for (const [id, sum] of centroids) centroids.set(id, normalised(sum));

      const runs: Record<string, RelevanceScores[]> = {};
      const record = (label: string, ranking: string[], grades: Grades) =>
        (runs[label] ??= []).push(scoreRanking(ranking, grades));
      for (const [i, query] of corpus.queries.entries()) {
        const grades: Grades = Object.fromEntries(query.relevant.map((id) => [id, 1]));
        const vector = queryVectors[i];
        const documentScores = documentList.map((d) => ({ docId: d.id, score: dot(vector, d.vector) }));
        const chunkScores = chunks.map((c) => ({ docId: c.docId, score: dot(vector, c.vector) }));
        record('ceiling', rankExact(vector, documentList), grades);
        if (batchedDocuments)
          record(
            'ceiling, documents embedded 64 per call',
            rankExact(
              vector,
              [...batchedDocuments].map(([id, v]) => ({ id, vector: v })),
            ),
            grades,
          );
        /** Records the ranking that max-pooling these chunk (and document) scores by document gives. */
        const pool = (label: string, scores: { docId: string; score: number }[]) =>
          record(
            label,
            poolChunks(scores).map((d) => d.id),
            grades,
          );
        /** The chunk scores with the whole document's score in place of each chunk `replaced` picks. */
        const documentInPlaceOf = (replaced: (chunk: IndexedChunk) => boolean) =>
          chunks.map((c, n) =>
            replaced(c) ? { docId: c.docId, score: dot(vector, documents.get(c.docId)!) } : chunkScores[n],
          );
        pool('chunks exact', chunkScores);
        if (chunksAlone)
          pool(
            'chunks exact, each embedded alone',
            chunks.map((c, n) => ({ docId: c.docId, score: dot(vector, chunksAlone[n]) })),
          );
        // The whole document embedded in place of the first chunk of a document of several chunks.
        pool(
          'document as chunk 0 exact',
          documentInPlaceOf((c) => c.chunkNo === 0 && chunkCounts.get(c.docId)! > 1),
        );
        pool('document + chunks exact', [...documentScores, ...chunkScores]);
        // A one-chunk document's chunk vector replaced by its whole-document vector: what the text
        // ingest embeds for a chunk (title and headings joined by " > ", ". ", in runs of many)
        // costs against the ceiling's own text of the same document (title, a line break, body, alone).
        pool(
          'one-chunk documents as the ceiling embeds them',
          documentInPlaceOf((c) => chunkCounts.get(c.docId) === 1),
        );
        // The other way round: a document of several chunks scored by its whole-document vector
        // alone, so that its many chunks do not give it many draws at any query (max-pooling).
        pool('documents of several chunks by their whole-document vector only', [
          ...documentScores.filter((d) => chunkCounts.get(d.docId)! > 1),
          ...chunkScores.filter((c) => chunkCounts.get(c.docId) === 1),
        ]);
        // The same only for a document the model reads whole (not cut at its max tokens).
        pool('documents of several chunks that fit the window by their whole-document vector only', [
          ...documentScores.filter((d) => chunkCounts.get(d.docId)! > 1 && fits.has(d.docId)),
          ...chunkScores.filter((c) => chunkCounts.get(c.docId) === 1 || !fits.has(c.docId)),
        ]);
        // A document of several chunks that the model reads whole: its first chunk's own vector
        // and, for the others, its whole-document vector (the first chunk holds the title's
        // context, a man page's NAME line).
        pool('documents that fit the window: first chunk + whole-document vector', [
          ...documentScores.filter((d) => chunkCounts.get(d.docId)! > 1 && fits.has(d.docId)),
          ...chunkScores.filter(
            (c, n) => chunkCounts.get(c.docId) === 1 || !fits.has(c.docId) || chunks[n].chunkNo === 0,
          ),
        ]);
        // Max-pooling with a discount for a document's number of chunks (its draws at the query).
        for (const discount of [0.003, 0.006, 0.01])
          pool(
            `chunks exact, max-pooled less ${discount} ln(chunks)`,
            chunkScores.map((c) => ({
              docId: c.docId,
              score: c.score - discount * Math.log(chunkCounts.get(c.docId)!),
            })),
          );
        // Blends for a document of several chunks: its best chunk's score averaged with its
        // whole-document score, or with the score of the mean of its chunk vectors (a document
        // vector that costs no embedding), so that many chunks are not many draws.
        const best = new Map(poolChunks(chunkScores).map((d) => [d.id, d.score]));
        const blended = (label: string, other: (docId: string) => number, only: (docId: string) => boolean) =>
          pool(
            label,
            [...best].map(([docId, score]) => ({
              docId,
              score: chunkCounts.get(docId)! > 1 && only(docId) ? (score + other(docId)) / 2 : score,
            })),
          );
        const centroidScore = (docId: string) => dot(vector, centroids.get(docId)!);
        const wholeScore = (docId: string) => dot(vector, documents.get(docId)!);
        blended('several chunks: mean of best chunk and whole document', wholeScore, () => true);
        if (shortWholes)
          blended(
            `several chunks: mean of best chunk and the document's first ${shortWholeWords} words`,
            (docId) => dot(vector, shortWholes.get(docId)!),
            () => true,
          );
        blended('several chunks that fit: mean of best chunk and whole document', wholeScore, (id) =>
          fits.has(id),
        );
        blended('several chunks: mean of best chunk and chunk centroid', centroidScore, () => true);
        blended('several chunks that fit: mean of best chunk and chunk centroid', centroidScore, (id) =>
          fits.has(id),
        );
        pool(
          'several chunks: chunk centroid only',
          [...best].map(([docId, score]) => ({
            docId,
            score: chunkCounts.get(docId)! > 1 ? centroidScore(docId) : score,
          })),
        );
        // As ingest could store it: a whole-document vector only for a document of several chunks.
        pool('document of several chunks + chunks exact', [
          ...documentScores.filter((d) => chunkCounts.get(d.docId)! > 1),
          ...chunkScores,
        ]);
        const lists = await search.rankings({ query: query.text }, {}, 100);
        record(
          'chunks kNN',
          lists.semantic.map((d) => d.id),
          grades,
        );
        for (const mode of ['semantic', 'lexical', 'hybrid'] as SearchMode[]) {
          const result = await search.search({ query: query.text, mode, size: 10, highlight: false });
          record(
            mode,
            result.hits.map((h) => h.id),
            grades,
          );
        }
        for (const mode of ['semantic', 'hybrid'] as SearchMode[]) {
          const result = await singleBar.search({ query: query.text, mode, size: 10, highlight: false });
          record(
            `${mode}, floor of one bar`,
            result.hits.map((h) => h.id),
            grades,
          );
        }
      }
      const means = Object.fromEntries(Object.entries(runs).map(([label, s]) => [label, meanScores(s)]));
      const figure = (label: string) =>
        `${means[label]['MRR@10'].toFixed(3)} / ${means[label]['nDCG@10'].toFixed(3)}`;
      const gap = (label: string) =>
        `${(means[label]['MRR@10'] - means.ceiling['MRR@10']).toFixed(3)} / ${(means[label]['nDCG@10'] - means.ceiling['nDCG@10']).toFixed(3)}`;
      summary.push({
        corpus: name,
        ceiling: figure('ceiling'),
        semantic: figure('semantic'),
        'semantic - ceiling': gap('semantic'),
        lexical: figure('lexical'),
        hybrid: figure('hybrid'),
        'hybrid - max(parts)': (['MRR@10', 'nDCG@10'] as const)
          .map((k) => (means.hybrid[k] - Math.max(means.semantic[k], means.lexical[k])).toFixed(3))
          .join(' / '),
      });
      for (const label of Object.keys(runs))
        diagnosis.push({
          corpus: name,
          ranking: label,
          'MRR@10 / nDCG@10': figure(label),
          'to ceiling': gap(label),
        });
      writeResult(`semantic-ceiling-${name}`, {
        documents: corpus.documents.length,
        queries: corpus.queries.length,
        chunks: chunks.length,
        means: Object.fromEntries(
          Object.entries(means).map(([k, v]) => [
            k,
            { mrr: round(v['MRR@10'], 4), ndcg: round(v['nDCG@10'], 4) },
          ]),
        ),
      });
      process.stdout.write(`${table(diagnosis.filter((r) => r.corpus === name))}\n\n`);
    }
    process.stdout.write(
      `MRR@10 / nDCG@10 (${documentsPerCorpus} documents, ${queriesPerCorpus} queries per corpus)\n`,
    );
    process.stdout.write(`${table(summary)}\n\n${table(diagnosis)}\n`);
  });
}

runBenchmark(main);
