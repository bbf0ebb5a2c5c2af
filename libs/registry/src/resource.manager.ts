import { InvalidError, NotFoundError, type Principal } from '@quarry/core';
import { mayRead, readerOf, type DocumentAccess } from '@quarry/search';

export interface ResourceContents {
  uri: string;
  mimeType: string;
  text: string;
}

export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType: string;
}

/** Where resources come from (the search indices); the manager adds URIs, paging and caching. */
export interface ResourceSource {
  listDocuments(
    principal: Principal,
    after: string | undefined,
    limit: number,
  ): Promise<{ id: string; title?: string; collection: string }[]>;
  readDocument(
    principal: Principal,
    id: string,
  ): Promise<{
    id: string;
    title?: string;
    collection: string;
    body: string;
    tags: string[];
    metadata: Record<string, unknown>;
    access?: DocumentAccess;
  }>;
  listCollections(principal: Principal): Promise<{ name: string; documents: number }[]>;
  documentIdsStartingWith(principal: Principal, prefix: string, limit: number): Promise<string[]>;
}

/**
 * A cached read with who may be served it: the document's collection and access (a collection's
 * entry is only held for readers who see every document: its count differs by reader).
 */
export type CachedResource = ResourceContents & { collection: string; access?: DocumentAccess };

/** Cached reads, shared by all instances; entries of a changed document or collection are dropped. */
export interface ResourceCache {
  get(uri: string): Promise<CachedResource | undefined>;
  set(uri: string, value: CachedResource): Promise<void>;
}

export const DOCUMENT_URI_TEMPLATE = 'quarry://documents/{id}';
export const COLLECTION_URI_TEMPLATE = 'quarry://collections/{name}';
const PAGE_SIZE = 100;

export function documentUri(id: string): string {
  return `quarry://documents/${encodeURIComponent(id)}`;
}

export function collectionUri(name: string): string {
  return `quarry://collections/${encodeURIComponent(name)}`;
}

export function parseResourceUri(uri: string): { kind: 'document' | 'collection'; key: string } {
  const match = /^quarry:\/\/(documents|collections)\/(.+)$/.exec(uri);
  if (!match)
    throw new InvalidError(
      `unknown resource URI "${uri}"; expected ${DOCUMENT_URI_TEMPLATE} or ${COLLECTION_URI_TEMPLATE}`,
      [{ field: 'uri', reason: 'unknown scheme or path' }],
    );
  let key: string;
  try {
    key = decodeURIComponent(match[2]);
  } catch {
    throw new InvalidError(`malformed resource URI "${uri}"`, [
      { field: 'uri', reason: 'bad percent-encoding' },
    ]);
  }
  return { kind: match[1] === 'documents' ? 'document' : 'collection', key };
}

function visible(principal: Principal, collection: string): boolean {
  return !principal.collections || principal.collections.includes(collection);
}

/** A collection's count depends on the reader's access: only readers of every document share a cached one. */
function sharesCache(principal: Principal, kind: 'document' | 'collection'): boolean {
  return kind === 'document' || !readerOf(principal);
}

export class ResourceManager {
  constructor(
    private readonly source: ResourceSource,
    private readonly cache?: ResourceCache,
  ) {}

  templates() {
    return [
      {
        uriTemplate: DOCUMENT_URI_TEMPLATE,
        name: 'document',
        title: 'Document',
        description: 'A document by id, as markdown',
        mimeType: 'text/markdown',
      },
      {
        uriTemplate: COLLECTION_URI_TEMPLATE,
        name: 'collection',
        title: 'Collection',
        description: 'A collection: document count and its documents',
        mimeType: 'application/json',
      },
    ];
  }

  /**
   * Collections first, then documents by id, PAGE_SIZE at a time. The cursor is the last id of
   * the previous page, so paging stays stable while documents are added.
   */
  async list(
    principal: Principal,
    cursor?: string,
  ): Promise<{ resources: ResourceListing[]; nextCursor?: string }> {
    let after: string | undefined;
    if (cursor !== undefined) {
      try {
        after = Buffer.from(cursor, 'base64url').toString('utf8');
      } catch {
        throw new InvalidError('invalid cursor', [
          { field: 'cursor', reason: 'not a cursor from resources/list' },
        ]);
      }
    }
    const resources: ResourceListing[] = [];
    if (after === undefined) {
      for (const c of await this.source.listCollections(principal)) {
        resources.push({
          uri: collectionUri(c.name),
          name: c.name,
          title: `Collection ${c.name}`,
          description: `${c.documents} documents`,
          mimeType: 'application/json',
        });
      }
    }
    const documents = await this.source.listDocuments(principal, after, PAGE_SIZE);
    for (const d of documents) {
      resources.push({
        uri: documentUri(d.id),
        name: d.id,
        title: d.title ?? d.id,
        description: `in ${d.collection}`,
        mimeType: 'text/markdown',
      });
    }
    const last = documents[documents.length - 1];
    return {
      resources,
      ...(documents.length === PAGE_SIZE && last
        ? { nextCursor: Buffer.from(last.id).toString('base64url') }
        : {}),
    };
  }

  async read(principal: Principal, uri: string): Promise<ResourceContents> {
    const { kind, key } = parseResourceUri(uri);
    const cache = sharesCache(principal, kind) ? this.cache : undefined;
    const cached = await cache?.get(uri).catch(() => undefined);
    if (cached) {
      if (!mayRead(principal, cached)) throw new NotFoundError(kind, key);
      return { uri: cached.uri, mimeType: cached.mimeType, text: cached.text };
    }
    let contents: CachedResource;
    if (kind === 'document') {
      const doc = await this.source.readDocument(principal, key);
      const meta = [
        `collection: ${doc.collection}`,
        doc.tags.length ? `tags: ${doc.tags.join(', ')}` : '',
        Object.keys(doc.metadata).length ? `metadata: ${JSON.stringify(doc.metadata)}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      contents = {
        uri,
        mimeType: 'text/markdown',
        text: `# ${doc.title ?? doc.id}\n\n${meta}\n\n${doc.body}`,
        collection: doc.collection,
        ...(doc.access ? { access: doc.access } : {}),
      };
    } else {
      if (!visible(principal, key)) throw new NotFoundError('collection', key);
      const collection = (await this.source.listCollections(principal)).find((c) => c.name === key);
      if (!collection) throw new NotFoundError('collection', key);
      contents = {
        uri,
        mimeType: 'application/json',
        text: JSON.stringify({ name: key, documents: collection.documents }),
        collection: key,
      };
    }
    await cache?.set(uri, contents).catch(() => undefined);
    return { uri: contents.uri, mimeType: contents.mimeType, text: contents.text };
  }
}
