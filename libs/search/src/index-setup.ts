import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client, estypes } from '@elastic/elasticsearch';
import { ConflictError } from '@quarry/core';
import { findRepoRoot, shapeOf, type IndexLayoutConfig, type IndexShape } from '@quarry/config';
import type { EmbeddingModelInfo } from '@quarry/embeddings';
import { INDEX_KINDS, IndexKind, indexNames } from './index-names';
import { mapElasticsearchError } from './elasticsearch.client';
import { nestedChunks } from './document.repository';
import { ChunkRepository } from './chunk.repository';
import { modelDifferences, vectorIndexModel, type VectorIndexModel } from './vector-index-model';

interface IndexDefinition {
  version: number;
  settings: Record<string, unknown>;
  mappings: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

/** The part of an Embedder that index setup needs: what the vector index records. */
export interface EmbedderIdentity {
  model: EmbeddingModelInfo;
}

export interface IndexSetupOptions {
  /**
   * Report a vector index written by another model (in `modelMismatch`) instead of refusing: only for
   * `quarry reindex --embeddings`, which re-embeds into a new index before anything searches with it.
   */
  allowModelMismatch?: boolean;
  /**
   * Shards and replicas of new index versions (QUARRY_INDEX_SHARDS, QUARRY_INDEX_REPLICAS); absent: the
   * definitions' own (one shard, a replica as soon as a second node exists).
   */
  layout?: IndexLayoutConfig;
}

export interface IndexSetupResult {
  kind: IndexKind;
  alias: string;
  index: string;
  /** `recreated`: an empty vector index of another model was replaced by one for the configured model. */
  action: 'created' | 'exists' | 'migrated' | 'recreated';
  /** Set when `allowModelMismatch` let a vector index of another model through: what differs. */
  modelMismatch?: string[];
  /** The existing index has another number of shards than configured: what to do about it. */
  shardsMismatch?: string;
  /** Replicas of the existing index were set to the configured number (a dynamic setting). */
  replicasChanged?: { from: number; to: number };
}

const SHAPE_SETTINGS = ['number_of_shards', 'number_of_replicas', 'auto_expand_replicas'];

/** Settings without shards and replicas: an index created with them takes its shape from the template. */
export function withoutShape(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !SHAPE_SETTINGS.includes(key)));
}

/** The shape as index settings; `auto` replicas = one as soon as a second node can hold it (0-1). */
export function shapeSettings(shape: IndexShape): Record<string, unknown> {
  return shape.replicas === 'auto'
    ? { number_of_shards: shape.shards, auto_expand_replicas: '0-1' }
    : { number_of_shards: shape.shards, number_of_replicas: shape.replicas, auto_expand_replicas: 'false' };
}

/** Reads elastic/indices/<kind>.json; the vector index gets the embedder's dims filled in. */
export function loadIndexDefinition(
  kind: IndexKind,
  embedder: EmbedderIdentity,
  layout?: IndexLayoutConfig,
): IndexDefinition {
  const file = path.join(findRepoRoot(), 'elastic', 'indices', `${kind}.json`);
  const raw = fs.readFileSync(file, 'utf8').replaceAll('"$EMBEDDING_DIMS"', String(embedder.model.dims));
  const parsed = JSON.parse(raw) as IndexDefinition & { description?: string };
  const definition: IndexDefinition = {
    version: parsed.version,
    settings: layout
      ? { ...withoutShape(parsed.settings), ...shapeSettings(shapeOf(layout, kind)) }
      : parsed.settings,
    mappings: parsed.mappings,
  };
  if (kind === 'vectors') {
    definition.mappings._meta = { ...vectorIndexModel(embedder.model) };
  }
  return definition;
}

/**
 * Creates, idempotently, for each index kind: an index template for `<alias>-v*`, the
 * versioned index and its alias. A definition whose version is higher than the one the
 * alias points to gets a new index, the documents copied over and the alias swapped in one
 * atomic step. The vector index refuses to switch embedders on existing data.
 */
export async function setupIndices(
  client: Client,
  prefix: string,
  embedder: EmbedderIdentity,
  options: IndexSetupOptions = {},
): Promise<IndexSetupResult[]> {
  const names = indexNames(prefix);
  const results: IndexSetupResult[] = [];
  try {
    for (const kind of INDEX_KINDS) {
      const definition = loadIndexDefinition(kind, embedder, options.layout);
      const result = await setupIndex(client, names[kind], kind, definition, options, names.vectors);
      if (options.layout && result.action === 'exists')
        Object.assign(
          result,
          await reconcileShape(client, result.index, shapeOf(options.layout, kind), options.layout),
        );
      results.push(result);
    }
  } catch (error) {
    if (error instanceof ConflictError) throw error;
    throw mapElasticsearchError(error);
  }
  return results;
}

async function currentIndexOf(client: Client, alias: string): Promise<string | undefined> {
  const exists = await client.indices.existsAlias({ name: alias });
  if (!exists) return undefined;
  const aliases = await client.indices.getAlias({ name: alias });
  return Object.keys(aliases)[0];
}

/** `<alias>-v<version>`, or `<alias>-v<version>-<suffix>` for an index re-created or re-embedded at that version. */
export function versionOf(index: string): number {
  const match = /-v(\d+)(?:-[a-z0-9]+)?$/.exec(index);
  return match ? Number(match[1]) : 0;
}

/** A fresh name for an index of `version` (re-embedding, re-creation): `<alias>-v<version>-<time>`. */
export function freshIndexName(alias: string, version: number): string {
  return `${alias}-v${version}-${Date.now().toString(36)}`;
}

async function setupIndex(
  client: Client,
  alias: string,
  kind: IndexKind,
  definition: IndexDefinition,
  options: IndexSetupOptions,
  vectorsAlias: string,
): Promise<IndexSetupResult> {
  const index = `${alias}-v${definition.version}`;
  await client.indices.putIndexTemplate({
    name: alias,
    index_patterns: [`${alias}-v*`],
    priority: 200,
    template: { settings: definition.settings, mappings: definition.mappings as never },
    // The shape recorded where new index versions (migrations, re-embedding) take it from.
    _meta: {
      managed_by: 'quarry',
      version: definition.version,
      shards: definition.settings.number_of_shards,
      replicas: definition.settings.number_of_replicas ?? definition.settings.auto_expand_replicas,
    },
  });

  const current = await currentIndexOf(client, alias);
  if (kind === 'vectors' && current) {
    const configured = definition.mappings._meta as unknown as VectorIndexModel;
    const check = await compareEmbedder(client, current, configured);
    if (check.differences.length > 0) {
      if (check.chunks === 0) {
        // Nothing embedded yet: a new empty index for the configured model takes the alias in one step.
        const fresh = freshIndexName(alias, definition.version);
        await client.indices.create({ index: fresh, wait_for_active_shards: 1 });
        await client.indices.updateAliases({
          actions: [
            { remove: { index: current, alias } },
            { add: { index: fresh, alias, is_write_index: true } },
          ],
        });
        await client.indices.delete({ index: current });
        return { kind, alias, index: fresh, action: 'recreated' };
      }
      if (!options.allowModelMismatch)
        throw modelMismatchError(current, check.chunks, check.recorded, check.differences);
      return { kind, alias, index: current, action: 'exists', modelMismatch: check.differences };
    }
  }
  if (current === index || (current && versionOf(current) === definition.version)) {
    return { kind, alias, index: current, action: 'exists' };
  }
  if (current && versionOf(current) > definition.version) {
    throw new ConflictError(
      `${alias} points to ${current}, newer than this Quarry's definition v${definition.version}; upgrade Quarry`,
    );
  }

  if (!(await client.indices.exists({ index }))) {
    try {
      await client.indices.create({ index, wait_for_active_shards: 1 });
    } catch (error) {
      // Two instances starting together both try to create it; the loser just uses it.
      const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw error;
    }
  }
  if (!current) {
    await client.indices.updateAliases({ actions: [{ add: { index, alias, is_write_index: true } }] });
    return { kind, alias, index, action: 'created' };
  }
  // The full-text index keeps its documents' chunks out of `_source` (`nestedChunks`): a copy
  // takes them from the vector index, which holds every chunk's text and place.
  await copyDocuments(
    client,
    current,
    index,
    kind === 'docs' ? (ids) => storedChunks(client, vectorsAlias, ids) : undefined,
  );
  await client.indices.updateAliases({
    actions: [{ remove: { index: current, alias } }, { add: { index, alias, is_write_index: true } }],
  });
  return { kind, alias, index, action: 'migrated' };
}

/**
 * An existing index keeps its shards (they are fixed at creation): a different configured number is
 * reported, and a new index version (`quarry reindex --embeddings` for the vectors, or the next
 * definition version) takes it. Replicas are a dynamic setting: when configured, they are applied.
 */
async function reconcileShape(
  client: Client,
  index: string,
  shape: IndexShape,
  layout: IndexLayoutConfig,
): Promise<Pick<IndexSetupResult, 'shardsMismatch' | 'replicasChanged'>> {
  const response = await client.indices.getSettings({ index, flat_settings: true });
  const settings = (response[index]?.settings ?? {}) as Record<string, string | undefined>;
  const shards = Number(settings['index.number_of_shards'] ?? 1);
  const replicas = Number(settings['index.number_of_replicas'] ?? 0);
  const outcome: Pick<IndexSetupResult, 'shardsMismatch' | 'replicasChanged'> = {};
  if (shards !== shape.shards)
    outcome.shardsMismatch =
      `${index} has ${shards} shard(s), QUARRY_INDEX_SHARDS asks for ${shape.shards}: shards are fixed when an ` +
      'index is created, so new index versions get them (`quarry reindex --embeddings` builds a new vector ' +
      'index and swaps the alias while searches go on)';
  if (layout.replicasExplicit && shape.replicas !== 'auto' && replicas !== shape.replicas) {
    await client.indices.putSettings({
      index,
      settings: { number_of_replicas: shape.replicas, auto_expand_replicas: 'false' },
    });
    outcome.replicasChanged = { from: replicas, to: shape.replicas };
  }
  return outcome;
}

async function compareEmbedder(
  client: Client,
  index: string,
  configured: VectorIndexModel,
): Promise<{ recorded: Partial<VectorIndexModel>; differences: string[]; chunks: number }> {
  const mapping = await client.indices.getMapping({ index });
  const recorded = (mapping[index]?.mappings?._meta ?? {}) as Partial<VectorIndexModel>;
  const differences = recorded.embedder ? modelDifferences(recorded, configured) : [];
  const chunks = differences.length ? (await client.count({ index })).count : 0;
  return { recorded, differences, chunks };
}

function modelMismatchError(
  index: string,
  chunks: number,
  recorded: Partial<VectorIndexModel>,
  differences: string[],
): ConflictError {
  return new ConflictError(
    `the vector index ${index} holds ${chunks} chunks embedded with "${recorded.embedder}" ` +
      `(${recorded.dims} dims) but the configured embedder differs (${differences.join('; ')}); ` +
      'vectors of different models are never mixed. Re-embed every document with the configured model: ' +
      '`quarry reindex --embeddings` (searches keep using the old vectors until it is done); or set ' +
      'QUARRY_EMBEDDER / QUARRY_EMBEDDER_MODEL back to the recorded model',
  );
}

/** The chunks of documents `ids` as the full-text index holds them, read from the vector index. */
async function storedChunks(
  client: Client,
  vectorsAlias: string,
  ids: string[],
): Promise<Map<string, ReturnType<typeof nestedChunks>>> {
  if (!(await client.indices.exists({ index: vectorsAlias }))) return new Map();
  const chunks = await new ChunkRepository(client, vectorsAlias).ofDocuments(ids, Infinity);
  return new Map([...chunks].map(([id, list]) => [id, nestedChunks(id, list)]));
}

/** Chunks one bulk request of a copy carries at most (a document of more goes alone). */
const COPY_CHUNKS_PER_REQUEST = 2_000;

/**
 * Hits in groups of at most COPY_CHUNKS_PER_REQUEST chunks by their `chunk_count` (1 for an entry
 * without one), so a copy that adds each document's chunks holds a bounded number at a time: 500
 * documents of up to 4,000 chunks each would be two million.
 */
export function byChunkCount(hits: estypes.SearchHit<unknown>[]): estypes.SearchHit<unknown>[][] {
  const groups: estypes.SearchHit<unknown>[][] = [];
  let group: estypes.SearchHit<unknown>[] = [];
  let chunks = 0;
  for (const hit of hits) {
    const count = Math.max(1, (hit._source as { chunk_count?: number } | undefined)?.chunk_count ?? 1);
    if (group.length && chunks + count > COPY_CHUNKS_PER_REQUEST) {
      groups.push(group);
      group = [];
      chunks = 0;
    }
    group.push(hit);
    chunks += count;
  }
  if (group.length) groups.push(group);
  return groups;
}

/**
 * Copies every document of `from` into `to` (a mapping migration); the reindex module is not on
 * the embedded node. `extra` gives fields `_source` does not hold, by document id.
 */
async function copyDocuments(
  client: Client,
  from: string,
  to: string,
  extra?: (ids: string[]) => Promise<Map<string, unknown>>,
): Promise<void> {
  let page = await client.search({ index: from, scroll: '2m', size: 500, sort: ['_doc'] });
  try {
    while (page.hits.hits.length > 0) {
      for (const hits of byChunkCount(page.hits.hits)) {
        const added = extra ? await extra(hits.map((hit) => hit._id!)) : undefined;
        const operations = hits.flatMap((hit) => [
          { index: { _index: to, _id: hit._id } },
          added?.has(hit._id!) ? { ...(hit._source as object), chunks: added.get(hit._id!) } : hit._source,
        ]);
        const bulk = await client.bulk({ operations, refresh: false });
        if (bulk.errors) throw new Error(`copying ${from} to ${to} failed for some documents`);
      }
      if (!page._scroll_id) break;
      page = await client.scroll({ scroll_id: page._scroll_id, scroll: '2m' });
    }
  } finally {
    if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id }).catch(() => undefined);
  }
  await client.indices.refresh({ index: to });
}
