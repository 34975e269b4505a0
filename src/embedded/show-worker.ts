// One show worker: a QuickJS sandbox (show-sandbox.ts) in its own thread,
// serving show requests one at a time, like a couchjs process.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { ENDS_WORKER, type ShowAnswer, type ShowJob, type ShowOutcome, type ShowWorkerOptions, type WorkerMessage } from './show-protocol.js';
import { cappedQuickJS, ShowSandbox } from './show-sandbox.js';

// Answers wait to go together for at most this long: one message for a
// batch that ends quickly costs the engine's thread a third less per call
// than one per call, and none waits behind a slow call (see tick).
const GATHER_MS = 1;
let answered: ShowAnswer[] = [];
let since = 0;

function send(): void {
  if (answered.length === 0) return;
  const message: WorkerMessage = { answers: answered };
  answered = [];
  parentPort!.postMessage(message);
}

// while a call runs: answers that have waited long enough go now
function tick(): void {
  if (answered.length > 0 && performance.now() - since > GATHER_MS) send();
}

const options = workerData as ShowWorkerOptions;
// which job the worker is in, for the engine if it must stop the worker:
// negative while the sandbox sets it up, so that a stall there blames no one
const running = options.running ?? new Int32Array(1);
let current = 0;

const sandbox = new ShowSandbox(await cappedQuickJS(options.memoryLimitBytes), { ...options, onTick: tick, onCallStart: () => Atomics.store(running, 0, current) });

// show sources by key: the engine sends each only once to a worker
const sources = new Map<string, string>();

// A batch of one account's calls, run one by one, their answers sent as they
// end or, when they end close together, together.
parentPort!.on('message', (jobs: ShowJob[]) => {
  for (const job of jobs) {
    tick();
    const outcome = answer(job);
    // the engine replaces this worker and sends the rest elsewhere
    if ((!outcome.ok && ENDS_WORKER.has(outcome.failure)) || sandbox.broken) break;
  }
  send();
});

function answer(job: ShowJob): ShowOutcome {
  if (job.source !== undefined) {
    // a few design doc revisions are kept; one let go is sent again on request
    if (sources.size >= 8) sources.delete(sources.keys().next().value!);
    sources.set(job.key, job.source);
  }
  current = job.id;
  Atomics.store(running, 0, -job.id);
  const outcome = sandbox.call(job, sources.get(job.key));
  Atomics.store(running, 0, 0);
  if (answered.length === 0) since = performance.now();
  answered.push({ id: job.id, outcome, ...(sandbox.broken ? { last: true as const } : {}) });
  return outcome;
}

// Ready: only now does the engine send calls, so that a worker's start, slow
// on a busy machine, never counts against a call's time limit.
parentPort!.postMessage({ ready: true } satisfies WorkerMessage);
