// Bench child: drives load at one target from its own process with an
// undici loop per connection, timing each request to the microsecond.
// Bounded in time and count; loopback only.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadJob { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; connections: number; seconds: number; warmupSeconds: number }
export interface LoadResult { requestsPerSecond: number; p50: number; p99: number; requests: number; errors: number; non2xx: number }

const MAX_REQUESTS = 2_000_000;

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function drive(job: LoadJob, seconds: number, record: boolean) {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < until && latencies.length < MAX_REQUESTS) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: url.pathname + url.search, method: job.method, headers: job.headers, body: job.body });
        await res.body.dump();
        if (res.statusCode >= 300) non2xx++;
        if (record) latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { latencies, errors, non2xx, elapsed };
}

process.on('message', async (job: LoadJob) => {
  if (!/^http:\/\/127\.0\.0\.1:/.test(job.url)) throw new Error('the bench only loads loopback targets');
  await drive(job, job.warmupSeconds, false);
  const { latencies, errors, non2xx, elapsed } = await drive(job, job.seconds, true);
  const sorted = Float64Array.from(latencies).sort();
  const answer: LoadResult = {
    requestsPerSecond: latencies.length / elapsed, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99),
    requests: latencies.length, errors, non2xx
  };
  process.send!(answer);
});
