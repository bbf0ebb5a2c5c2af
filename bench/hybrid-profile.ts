/**
 * Where the main thread goes during REST hybrid searches at concurrency 16: a server in this
 * process, the man-page bench indices (bench/rankings.ts makes them), 200 warm-up requests on
 * other texts, then `BENCH_REQUESTS` (300) measured requests, each query once (no cached query
 * vector), profiled with the inspector for exactly that window. Writes the profile (for
 * bench/profile-summary.ts, which charges time to areas) and prints the heaviest functions by
 * self time. The load generator (undici `request`) shares the thread and the profile.
 *
 *   npm run build && node dist/bench/hybrid-profile.js [out.cpuprofile]
 */
import { indexNames } from '@quarry/search';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Agent, request } from 'undici';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { startBenchServer, withSearchCore } from './search-core';
import { round, table, throughput } from './stats';

const corpusName = (process.env.BENCH_CORPUS ?? 'manpages') as CorpusName;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const requests = Number(process.env.BENCH_REQUESTS ?? 300);
const mode = process.env.BENCH_MODE ?? 'hybrid';
const out = process.argv[2] ?? `/tmp/${mode}-rest.cpuprofile`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function main() {
  return withSearchCore(async ({ client, embedder, endpoints }) => {
    const prefix = `bench-${corpusName}`;
    const documents = (await client.count({ index: indexNames(prefix).docs })).count;
    if (documents === 0)
      throw new Error(`${prefix} is empty: index the corpus first (node dist/bench/rankings.js)`);
    const corpus = await buildCorpus(corpusName, { documents, queries: requests });
    const warmUp = corpus.documents
      .slice(0, 200)
      .map((d) => `${d.title} ${d.body.split(/\s+/).slice(0, 6).join(' ')}`);
    const queries = corpus.queries.map((q) => `${q.text} #`);
    const server = await startBenchServer(endpoints, prefix, embedder);
    const http = new Agent({ connections: concurrency });
    const session = new Session();
    session.connect();
    try {
      const rest = (texts: string[]) => async (i: number) => {
        const response = await request(`${server.url}/v1/search`, {
          method: 'POST',
          dispatcher: http,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: texts[i % texts.length], mode }),
        });
        if (response.statusCode !== 200) throw new Error(`search answered ${response.statusCode}`);
        return response.body.json();
      };
      await throughput(concurrency, warmUp.length, rest(warmUp));
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      const rate = await throughput(concurrency, queries.length, rest(queries));
      const { profile } = (await session.post('Profiler.stop')) as {
        profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
      };
      writeFileSync(out, JSON.stringify(profile));
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i] / 1000));
      const byFunction = new Map<string, number>();
      for (const node of profile.nodes) {
        const { functionName, url, lineNumber } = node.callFrame;
        if (functionName === '(idle)') continue;
        const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
        byFunction.set(key, (byFunction.get(key) ?? 0) + (self.get(node.id) ?? 0));
      }
      const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40);
      process.stdout.write(
        `${mode} through REST at concurrency ${concurrency}: ${round(rate, 1)} req/s over ${queries.length} requests\n` +
          `${table(top.map(([fn, ms]) => ({ function: fn.slice(0, 110), 'ms per request': round(ms / queries.length, 3) })))}\n` +
          `profile: ${out} (node dist/bench/profile-summary.js ${out} ${queries.length})\n`,
      );
    } finally {
      session.disconnect();
      await server.close();
      await http.close();
    }
  });
}

runBenchmark(main);
