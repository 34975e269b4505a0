// npm run bench [-- --seconds=5 --large --sizes=10,1000]: prints the figures
// and ratios and writes them to bench-results.json.
import { writeFileSync } from 'node:fs';
import { runBench } from '../src/bench/run.js';
import { fail } from '../src/cli.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const seconds = Number(args.get('seconds') ?? 5);
if (!Number.isFinite(seconds) || seconds < 1 || seconds > 60) fail(new Error('--seconds must be from 1 to 60'));
const sizes = args.has('sizes') ? args.get('sizes')!.split(',').map(Number) : [10, 1000, 10000, ...(args.has('large') ? [100000] : [])];
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail(new Error('--sizes must be whole numbers of functions, such as 10,1000'));
const out = args.get('out') ?? 'bench-results.json';

try {
  const report = await runBench({ seconds, sizes, couchdbUrl: process.env.COUCHDB_URL, log: (line) => console.log(line) });
  console.log('\nratios (same run, side by side): throughput vs direct, and p50 added');
  for (const r of report.ratios) {
    const fmt = (x: { throughput: number; p50_added_ms: number }) => `${x.throughput.toFixed(2)} (${x.p50_added_ms >= 0 ? '+' : ''}${x.p50_added_ms} ms)`;
    console.log(`  ${String(r.functions).padStart(6)} functions c=${String(r.connections).padEnd(2)}  invoke/direct ${fmt(r['invoke/direct'])}  pivot/direct ${fmt(r['pivot/direct'])}  sandbox/direct ${fmt(r['sandbox/direct'])}  sandbox/invoke ${r['sandbox/invoke'].toFixed(2)}  floor/direct ${fmt(r['floor/direct'])}  baseline/direct ${fmt(r['baseline/direct'])}`);
  }
  console.log(`proxy peak RSS ${report.proxyPeakRssMb} MB; machine: ${report.machine.cpus} cpus ${report.machine.model}, node ${report.machine.node}`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${out}`);
  process.exit(0);
} catch (err) {
  fail(err);
}
