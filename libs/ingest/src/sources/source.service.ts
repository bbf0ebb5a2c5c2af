import * as path from 'node:path';
import { ConflictError, InvalidError, NotFoundError } from '@quarry/core';
import type { EgressPolicy } from '@quarry/egress';
import { normaliseAccess, type IndexNames } from '@quarry/search';
import type { IngestService } from '../ingest.service';
import type { DocumentBrowser } from '../document.browser';
import type { JobHandle, JobService, JobState } from '../jobs/job.service';
import type { IngestMetaStore } from '../meta.store';
import { PoliteFetcher } from './http-fetch';
import { CRAWLER_USER_AGENT, webItems } from './web-items';
import { DirectoryConfinement } from './directory-confinement';
import { directoryItems, httpJsonItems, type SourceItem, type StoredItem } from './source-items';
import type { SourceDefinition, SourceInput } from './source.dto';

const BATCH = 50;
/** How far back a chain of resumed jobs is followed (each link is one interrupted instance). */
const MAX_RESUMED_CHAIN = 20;

/**
 * Sources that stay in sync: their definitions live in the metadata index and every sync is a
 * job. A sync writes what is new or changed (an unchanged item is neither extracted nor
 * embedded) and removes what is gone from the source.
 */
export class SourceService {
  constructor(
    private readonly store: IngestMetaStore,
    private readonly jobs: JobService,
    private readonly ingest: IngestService,
    private readonly browser: DocumentBrowser,
    private readonly indices: IndexNames,
    /** Where web and http-json sources may fetch from (QUARRY_FETCH_ALLOW, Quarry's own services refused). */
    private readonly egress: EgressPolicy,
    /** Where directory sources may lie (QUARRY_SOURCE_ROOTS; system folders refused without it). */
    private readonly confinement = new DirectoryConfinement(),
  ) {}

  async add(input: SourceInput): Promise<SourceDefinition> {
    await checkDefinition(input);
    // Early word on a URL the egress policy refuses; each fetch is checked again when it connects.
    const refused = input.type === 'directory' || !input.url ? undefined : await this.egress.vet(input.url);
    if (refused)
      throw new InvalidError(`url: refused by the egress policy: ${refused}`, [
        { field: 'url', reason: refused },
      ]);
    if (await this.store.get('source', input.name))
      throw new ConflictError(`source "${input.name}" exists; remove it first to redefine it`);
    const definition: SourceDefinition = { ...input, created_at: new Date().toISOString() };
    // The real path is what a sync reads, so that is what is stored (and checked again each sync).
    if (input.type === 'directory') definition.path = await this.confinement.folder(input.path!);
    else if (definition.path) definition.path = path.resolve(definition.path);
    await this.store.put('source', input.name, definition, 'wait_for');
    return definition;
  }

  list(): Promise<SourceDefinition[]> {
    return this.store.list<SourceDefinition>('source', 1_000);
  }

  async get(name: string): Promise<SourceDefinition> {
    const source = await this.store.get<SourceDefinition>('source', name);
    if (!source) throw new NotFoundError('source', name);
    return source;
  }

  /** Removes the source and, unless `keepDocuments`, every document it brought in. */
  async remove(
    name: string,
    keepDocuments = false,
  ): Promise<{ name: string; removed: true; deletedDocuments: number }> {
    await this.get(name);
    let deletedDocuments = 0;
    if (!keepDocuments) {
      for await (const doc of this.browser.all({ sourceName: name }))
        if (await this.ingest.delete(doc.id)) deletedDocuments++;
      await this.browser.refresh([this.indices.docs, this.indices.vectors]);
    }
    await this.store.delete('source', name);
    return { name, removed: true, deletedDocuments };
  }

  /** Starts a sync job; with `wait`, answers with the job's final state. */
  async sync(
    name: string,
    wait = false,
    owner?: string,
    resumes?: string,
    listener?: (job: JobState) => void,
  ): Promise<JobState> {
    const source = await this.get(name);
    const job = await this.jobs.start(
      {
        kind: 'sync',
        source: name,
        collection: source.collection,
        ...(owner ? { owner } : {}),
        ...(resumes ? { resumes } : {}),
      },
      (handle) => this.run(source, handle, resumes),
      listener,
    );
    await this.store.put('source', name, { ...source, last_job: job.id });
    return wait ? this.jobs.wait(job.id) : job;
  }

  private async run(source: SourceDefinition, job: JobHandle, resumes?: string): Promise<void> {
    const predecessors = resumes ? await this.takeOver(resumes, job) : new Set<string>();
    const stored = new Map<string, StoredItem>();
    for await (const doc of this.browser.all({ sourceName: source.name }, undefined, job.signal))
      stored.set(doc.id, doc.metadata ?? {});
    const fetcher = new PoliteFetcher(
      {
        requestsPerSecond: source.requestsPerSecond ?? (source.type === 'web' ? 2 : 5),
        maxRetries: source.maxRetries ?? 4,
        headers:
          source.type === 'web' ? { 'user-agent': CRAWLER_USER_AGENT, ...source.headers } : source.headers,
        redirects: source.type === 'web' ? 'same-origin' : 'follow',
      },
      this.egress,
    );
    const items =
      source.type === 'directory'
        ? directoryItems(source, stored, job.signal, this.confinement)
        : source.type === 'web'
          ? webItems(source, stored, job.signal, fetcher)
          : httpJsonItems(source, stored, job.signal, fetcher);
    const seen = new Set<string>();
    let batch: Extract<SourceItem, { kind: 'document' }>[] = [];
    let complete = true;
    for await (const item of items) {
      if (item.kind === 'incomplete') {
        complete = false;
        job.fail({ item: source.url ?? source.name, stage: 'fetch', reason: item.reason, skipped: true });
        continue;
      }
      seen.add(item.id);
      job.count('found');
      job.advance('fetch');
      if (item.kind === 'unchanged') {
        // Written by the interrupted sync this one continues (maybe after its last saved count): the
        // sync's own work, not something unchanged since the sync before.
        const writer = stored.get(item.id)?.quarry_job;
        if (typeof writer === 'string' && predecessors.has(writer)) {
          job.inherit('indexed');
          job.inherit('embedded');
        } else job.count('unchanged');
      } else if (item.kind === 'skipped')
        job.fail({ item: item.origin, stage: 'extract', reason: item.reason, skipped: true });
      else {
        job.advance('extract');
        batch.push(item);
        if (batch.length >= BATCH) {
          await this.write(batch, job);
          batch = [];
        }
      }
    }
    await this.write(batch, job);
    job.signal.throwIfAborted();
    // Only a complete walk of the source tells what is gone from it.
    for (const id of complete ? stored.keys() : []) {
      if (seen.has(id)) continue;
      job.signal.throwIfAborted();
      if (await this.ingest.delete(id, { signal: job.signal })) job.count('deleted');
    }
    await this.browser.refresh([this.indices.docs, this.indices.vectors]);
    await this.store.put('source', source.name, {
      ...source,
      last_job: job.id,
      last_sync: new Date().toISOString(),
    });
  }

  /**
   * How many documents a sync job wrote that are still as it wrote them: what an interrupted job
   * really indexed, including what it wrote after its last saved count.
   */
  async writtenBy(jobId: string): Promise<number> {
    await this.browser.refresh([this.indices.docs]);
    return this.browser.count({ writtenByJob: jobId });
  }

  /**
   * Before a sync resumes interrupted ones: their documents made visible to the walk (the last ones
   * written before the instance died may not be searchable yet), what they recorded as deleted taken
   * over (the predecessor's counts are cumulative if it resumed others), and the ids of the chain.
   */
  private async takeOver(resumes: string, job: JobHandle): Promise<Set<string>> {
    const chain = new Set<string>();
    let next: string | undefined = resumes;
    while (next && !chain.has(next) && chain.size < MAX_RESUMED_CHAIN) {
      chain.add(next);
      // A record that is gone ends the chain; one that cannot be read now fails the job (it would
      // lose what the predecessor deleted from its counts), and the failure says why.
      const previous: JobState | undefined = await this.jobs.get(next).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (previous && next === resumes && previous.counts.deleted > 0)
        job.inherit('deleted', previous.counts.deleted);
      next = previous?.resumes;
    }
    await this.browser.refresh([this.indices.docs]);
    return chain;
  }

  private async write(batch: Extract<SourceItem, { kind: 'document' }>[], job: JobHandle): Promise<void> {
    if (batch.length === 0) return;
    job.stage('chunk');
    // Each document names the job that wrote it, so a job resuming this one can tell its work apart.
    const result = await this.ingest.ingest(
      batch.map((b) => ({ ...b.document, metadata: { ...b.document.metadata, quarry_job: job.id } })),
      { signal: job.signal },
    );
    for (const item of result.items) {
      const origin = batch[item.index].origin;
      if (item.status === 'failed')
        job.fail({ item: origin, stage: 'index', reason: item.error ?? 'failed' });
      else if (item.status === 'unchanged') job.count('unchanged');
      else {
        job.count('indexed');
        job.count('embedded');
        job.advance('chunk');
        job.advance('embed');
        job.advance('index');
      }
    }
  }
}

async function checkDefinition(input: SourceInput): Promise<void> {
  const missing = (field: string, reason: string) =>
    new InvalidError(`${field}: ${reason}`, [{ field, reason }]);
  // JSON null is "not given", as for every optional field.
  if ((input.accessByPath as unknown) === null) delete input.accessByPath;
  if (input.accessByPath !== undefined) {
    if (typeof input.accessByPath !== 'object' || Array.isArray(input.accessByPath))
      throw missing('accessByPath', 'an object of globs to lists of groups');
    if (input.type !== 'directory')
      throw missing('accessByPath', 'only a directory source maps paths to groups');
    for (const [glob, groups] of Object.entries(input.accessByPath))
      if (!Array.isArray(groups) || !groups.length || !groups.every((g) => typeof g === 'string' && g.trim()))
        throw missing(`accessByPath.${glob}`, 'a non-empty list of group names');
  }
  if (input.access && !normaliseAccess(input.access))
    throw missing('access', 'names no group and no user (leave it out for documents everyone may read)');
  if (input.type === 'directory') {
    // Where the folder may lie is DirectoryConfinement's to say, on its real path.
    if (!input.path) throw missing('path', 'a directory source needs the folder to index');
  } else if (input.type === 'web') {
    if (!input.url) throw missing('url', 'a web source needs its start page or sitemap URL');
  } else {
    if (!input.url) throw missing('url', 'an http-json source needs the URL of its first page');
    if (!input.mapping?.id || !input.mapping?.body)
      throw missing(
        'mapping',
        'an http-json source maps at least id and body ({ "id": "id", "body": "text" })',
      );
    const type = input.pagination?.type;
    if (type && !['page', 'cursor', 'none'].includes(type))
      throw missing('pagination.type', 'one of page, cursor, none');
    for (const [name, value] of Object.entries(input.headers ?? {}))
      if (typeof value !== 'string') throw missing(`headers.${name}`, 'header values are strings');
  }
}
