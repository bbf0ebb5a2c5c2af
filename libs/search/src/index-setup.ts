import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { ConflictError } from '@quarry/core';
import { findRepoRoot } from '@quarry/config';
import { INDEX_KINDS, IndexKind, indexNames } from './index-names';
import { mapElasticsearchError } from './elasticsearch.client';

interface IndexDefinition {
  version: number;
  settings: Record<string, unknown>;
  mappings: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

export interface EmbedderIdentity {
  id: string;
  dims: number;
}

export interface IndexSetupResult {
  kind: IndexKind;
  alias: string;
  index: string;
  action: 'created' | 'exists' | 'migrated';
}

/** Reads elastic/indices/<kind>.json; the vector index gets the embedder's dims filled in. */
export function loadIndexDefinition(kind: IndexKind, embedder: EmbedderIdentity): IndexDefinition {
  const file = path.join(findRepoRoot(), 'elastic', 'indices', `${kind}.json`);
  const raw = fs.readFileSync(file, 'utf8').replace('"$EMBEDDING_DIMS"', String(embedder.dims));
  const parsed = JSON.parse(raw) as IndexDefinition & { description?: string };
  const definition: IndexDefinition = {
    version: parsed.version,
    settings: parsed.settings,
    mappings: parsed.mappings,
  };
  if (kind === 'vectors') {
    definition.mappings._meta = { embedder: embedder.id, dims: embedder.dims };
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
): Promise<IndexSetupResult[]> {
  const names = indexNames(prefix);
  const results: IndexSetupResult[] = [];
  try {
    for (const kind of INDEX_KINDS) {
      results.push(
        await setupIndex(client, names[kind], kind, loadIndexDefinition(kind, embedder), embedder),
      );
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

function versionOf(index: string): number {
  const match = /-v(\d+)$/.exec(index);
  return match ? Number(match[1]) : 0;
}

async function setupIndex(
  client: Client,
  alias: string,
  kind: IndexKind,
  definition: IndexDefinition,
  embedder: EmbedderIdentity,
): Promise<IndexSetupResult> {
  const index = `${alias}-v${definition.version}`;
  await client.indices.putIndexTemplate({
    name: alias,
    index_patterns: [`${alias}-v*`],
    priority: 200,
    template: { settings: definition.settings, mappings: definition.mappings as never },
    _meta: { managed_by: 'quarry', version: definition.version },
  });

  const current = await currentIndexOf(client, alias);
  if (kind === 'vectors' && current) await assertSameEmbedder(client, current, embedder);
  if (current === index) return { kind, alias, index, action: 'exists' };
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
  await copyDocuments(client, current, index);
  await client.indices.updateAliases({
    actions: [{ remove: { index: current, alias } }, { add: { index, alias, is_write_index: true } }],
  });
  return { kind, alias, index, action: 'migrated' };
}

async function assertSameEmbedder(client: Client, index: string, embedder: EmbedderIdentity): Promise<void> {
  const mapping = await client.indices.getMapping({ index });
  const meta = mapping[index]?.mappings?._meta as { embedder?: string; dims?: number } | undefined;
  if (!meta?.embedder || (meta.embedder === embedder.id && meta.dims === embedder.dims)) return;
  const count = await client.count({ index });
  if (count.count === 0) {
    // Nothing embedded yet: the empty index can simply be recreated for the new embedder.
    await client.indices.delete({ index });
    return;
  }
  throw new ConflictError(
    `the vector index holds ${count.count} chunks embedded with "${meta.embedder}" (${meta.dims} dims) but ` +
      `QUARRY_EMBEDDER is now "${embedder.id}" (${embedder.dims} dims); vectors of different models cannot be ` +
      'compared. Switch QUARRY_EMBEDDER back, or delete the vector index and ingest the documents again',
  );
}

/** Copies every document of `from` into `to` (a mapping migration); the reindex module is not on the embedded node. */
async function copyDocuments(client: Client, from: string, to: string): Promise<void> {
  let page = await client.search({ index: from, scroll: '2m', size: 500, sort: ['_doc'] });
  try {
    while (page.hits.hits.length > 0) {
      const operations = page.hits.hits.flatMap((hit) => [
        { index: { _index: to, _id: hit._id } },
        hit._source,
      ]);
      const bulk = await client.bulk({ operations, refresh: false });
      if (bulk.errors) throw new Error(`copying ${from} to ${to} failed for some documents`);
      if (!page._scroll_id) break;
      page = await client.scroll({ scroll_id: page._scroll_id, scroll: '2m' });
    }
  } finally {
    if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id }).catch(() => undefined);
  }
  await client.indices.refresh({ index: to });
}
