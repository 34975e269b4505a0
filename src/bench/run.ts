// npm run bench: the invocation path against its floor (the show on CouchDB
// itself), the proxy's own sandbox engine (COUCHFN_ENGINE=sandbox, a second
// proxy on the same CouchDB), the proxy's own floor (an authenticated API
// route that runs nothing), and what a customer would build instead (a
// bare Node server running the same function), at 1 and 10 connections, with 10,
// 1,000 and 10,000 stored functions. Every path is measured side by side in
// one run, so the ratios are comparable on a noisy machine.
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { AddressInfo } from 'node:net';
import { startCouchfn } from '../app/couchfn.js';
import { templates } from '../catalog/templates.js';
import { samples } from '../catalog/samples.js';
import { loadConfig } from '../config.js';
import { openConnection } from '../couch/connection.js';
import { CouchDatabase } from '../couch/database.js';
import { kazooQuery } from '../invoke/encode.js';
import type { LoadJob, LoadResult } from './load-process.js';

export type Path = 'direct' | 'invoke' | 'pivot' | 'sandbox' | 'floor' | 'baseline';
export interface BenchOptions { seconds: number; sizes: number[]; couchdbUrl?: string; log: (line: string) => void }
interface Measured extends LoadResult { path: Path; connections: number; functions: number; proxyCpuUsPerCall?: number; proxyRssMb?: number }

const CONNECTIONS = [1, 10];
const PATHS: Path[] = ['direct', 'invoke', 'pivot', 'sandbox', 'floor', 'baseline'];
// paths the proxies in this process answer, whose CPU per call is measured
const PROXIED = new Set<Path>(['invoke', 'pivot', 'sandbox', 'floor']);
const FILL_BATCH = 2000;

function child<T>(script: string, args: string[] = []): Promise<{ proc: ChildProcess; first: T }> {
  const proc = fork(new URL(script, import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (first) => resolve({ proc, first: first as T }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const WARMUP_SECONDS = 1;

function ask(proc: ChildProcess, job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve) => { proc.once('message', (m) => resolve(m as LoadResult)); proc.send(job); });
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runBench(options: BenchOptions) {
  const { log } = options;
  const children: ChildProcess[] = [];
  try {
    const couchUrl: string = options.couchdbUrl ?? (await child<{ url: string }>('./couch-process.js').then(({ proc, first }) => { children.push(proc); return first.url; }));
    const couchfn = await startCouchfn(loadConfig({ COUCHDB_URL: couchUrl, COUCHFN_LOG_LEVEL: 'warn' }));
    await couchfn.app.listen({ port: 0, host: '127.0.0.1' });
    const api = `http://127.0.0.1:${(couchfn.app.server.address() as AddressInfo).port}`;
    const sandboxed = await startCouchfn(loadConfig({ COUCHDB_URL: couchUrl, COUCHFN_LOG_LEVEL: 'warn', COUCHFN_ENGINE: 'sandbox' }));
    await sandboxed.app.listen({ port: 0, host: '127.0.0.1' });
    const sandboxApi = `http://127.0.0.1:${(sandboxed.app.server.address() as AddressInfo).port}`;
    try {
      // an account and the measured function, through the API
      const account = await couchfn.services.accounts.create(couchfn.master, { name: 'bench' });
      const login = await fetch(`${api}/v2/api_auth`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { api_key: account.pvt_api_key! } }) });
      const token = ((await login.json()) as { auth_token: string }).auth_token;
      const template = templates.find((t) => t.id === 'say_hi')!;
      const created = await fetch(`${api}/v2/accounts/${account._id}/functions`, {
        method: 'PUT', headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify({ data: { name: 'bench', function_js: template.function_js } })
      });
      const functionId = ((await created.json()) as { data: { id: string } }).data.id;
      const call = samples.find((s) => s.id === 'inbound_call')!.call;
      const query = kazooQuery(call);
      const couch = openConnection('bench', couchUrl);
      const baseline = await child<{ port: number }>('./baseline-process.js', [template.function_js]);
      children.push(baseline.proc);
      const load = fork(new URL('./load-process.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(load);

      const jobs: Record<Path, Omit<LoadJob, 'connections' | 'seconds' | 'warmupSeconds'>> = {
        direct: { url: `${couch.origin}/functions/_design/functions/_show/wh/${functionId}?${query}`, method: 'GET', headers: couch.authorization ? { authorization: couch.authorization } : {} },
        invoke: { url: `${api}/v2/accounts/${account._id}/functions/${functionId}/invoke`, method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token }, body: JSON.stringify({ data: call }) },
        pivot: { url: `${api}/v2/accounts/${account._id}/functions/${functionId}/pivot?${query}`, method: 'GET', headers: { 'x-auth-token': token } },
        sandbox: { url: `${sandboxApi}/v2/accounts/${account._id}/functions/${functionId}/invoke`, method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token }, body: JSON.stringify({ data: call }) },
        // the most any invocation through the proxy can reach: its HTTP, token check and envelope, answering from memory
        floor: { url: `${sandboxApi}/v2/webhooks`, method: 'GET', headers: { 'x-auth-token': token } },
        baseline: { url: `http://127.0.0.1:${baseline.first.port}/?${query}`, method: 'GET', headers: {} }
      };
      for (const [path, job] of Object.entries(jobs)) {
        const res = await fetch(job.url, { method: job.method, headers: job.headers, body: job.body });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 200)}`);
      }

      const functionsDb = new CouchDatabase<{ _id: string }>(() => couch, 'functions');
      let stored = 1;
      const results: Measured[] = [];
      for (const size of options.sizes) {
        while (stored < size) {
          const count = Math.min(FILL_BATCH, size - stored);
          const docs = Array.from({ length: count }, (_, i) => ({
            _id: `fill${String(stored + i).padStart(8, '0')}`, pvt_type: 'function', pvt_account_id: 'benchfiller',
            name: `filler ${stored + i}`, function_js: template.function_js, enabled: true
          }));
          await functionsDb.bulk(docs);
          stored += count;
        }
        log(`${size} stored functions`);
        for (const connections of CONNECTIONS) {
          for (const path of PATHS) {
            const cpu = process.cpuUsage();
            const result = await ask(load, { ...jobs[path], connections, seconds: options.seconds, warmupSeconds: WARMUP_SECONDS });
            // this process's CPU (main thread and the sandbox's workers) over warm-up and measure, per call
            const used = process.cpuUsage(cpu);
            const calls = result.requestsPerSecond * (options.seconds + WARMUP_SECONDS);
            const proxyCpuUsPerCall = PROXIED.has(path) && calls > 0 ? round((used.user + used.system) / calls, 0) : undefined;
            // the proxies' memory (both, and the sandbox's workers) right after the row
            const proxyRssMb = PROXIED.has(path) ? round(process.memoryUsage().rss / 2 ** 20, 0) : undefined;
            results.push({ ...result, path, connections, functions: size, ...(proxyCpuUsPerCall === undefined ? {} : { proxyCpuUsPerCall, proxyRssMb }) });
            log(`  ${path.padEnd(8)} c=${String(connections).padEnd(2)} ${round(result.requestsPerSecond, 0).toString().padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${proxyCpuUsPerCall === undefined ? '' : `  proxy CPU ${proxyCpuUsPerCall} us/call, RSS ${proxyRssMb} MB`}${result.errors || result.non2xx ? `  (${result.errors} errors, ${result.non2xx} non-2xx)` : ''}`);
          }
        }
      }
      await couch.close();
      return report(results, options, process.resourceUsage().maxRSS / 1024, couchfn.mainCouch.embedded || !options.couchdbUrl);
    } finally {
      await sandboxed.close();
      await couchfn.close();
    }
  } finally {
    for (const proc of children) proc.disconnect?.();
  }
}

function report(results: Measured[], options: BenchOptions, proxyPeakRssMb: number, embedded: boolean) {
  const find = (path: Path, connections: number, functions: number) => results.find((r) => r.path === path && r.connections === connections && r.functions === functions)!;
  const ratios = options.sizes.flatMap((functions) => CONNECTIONS.map((connections) => {
    const direct = find('direct', connections, functions);
    const entry = (path: Path) => ({
      throughput: round(find(path, connections, functions).requestsPerSecond / direct.requestsPerSecond),
      p50_added_ms: round(find(path, connections, functions).p50 - direct.p50)
    });
    return {
      functions, connections, 'invoke/direct': entry('invoke'), 'pivot/direct': entry('pivot'), 'sandbox/direct': entry('sandbox'),
      'sandbox/invoke': round(find('sandbox', connections, functions).requestsPerSecond / find('invoke', connections, functions).requestsPerSecond),
      'floor/direct': entry('floor'),
      'baseline/direct': entry('baseline')
    };
  }));
  const smallest = options.sizes[0];
  const largest = options.sizes[options.sizes.length - 1];
  const flatness = Object.fromEntries(CONNECTIONS.map((c) => [`c${c}`, round(find('invoke', c, smallest).requestsPerSecond / find('invoke', c, largest).requestsPerSecond)]));
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version, platform: process.platform },
    couchdb: embedded ? 'embedded (own process)' : 'COUCHDB_URL',
    seconds: options.seconds,
    results: results.map((r) => ({ ...r, requestsPerSecond: round(r.requestsPerSecond, 1), p50: round(r.p50, 3), p99: round(r.p99, 3) })),
    ratios,
    [`invoke throughput at ${smallest} / at ${largest} functions`]: flatness,
    proxyPeakRssMb: round(proxyPeakRssMb, 1)
  };
}
