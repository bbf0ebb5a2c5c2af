/** Redis keys and channels of live results, all under the deployment's prefix. */
export interface LiveKeys {
  /** Counter numbering the registry's announcements. */
  version: string;
  /** Channel of registry changes (queries added, removed, renewed). */
  registry: string;
  /** Channel of document changes, for `documentChanged` subscribers on every instance. */
  changes: string;
  /** Channel of ingest job progress. */
  progress: string;
  /** Lock taken by the one instance that deletes expired queries this round. */
  sweep: string;
  /** Channel of the matches for one instance's subscribers. */
  hits(instance: string): string;
  /** Latest progress of one ingest job, for subscribers that arrive late. */
  job(jobId: string): string;
}

/** The prefix is the index prefix, so deployments sharing one Redis stay apart. */
export function liveKeys(prefix: string): LiveKeys {
  const key = (name: string) => `${prefix}:live:${name}`;
  return {
    version: key('version'),
    registry: key('registry'),
    changes: key('changes'),
    progress: key('progress'),
    sweep: key('sweep'),
    hits: (instance) => key(`hits:${instance}`),
    job: (jobId) => key(`job:${jobId}`),
  };
}
