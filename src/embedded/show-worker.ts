// One show worker: a QuickJS sandbox (show-sandbox.ts) in its own thread,
// serving show requests one at a time, like a couchjs process.
import { parentPort, workerData } from 'node:worker_threads';
import { getQuickJS } from 'quickjs-emscripten';
import type { ShowJob, ShowOutcome, ShowWorkerOptions } from './show-protocol.js';
import { ShowSandbox } from './show-sandbox.js';

const sandbox = new ShowSandbox(await getQuickJS(), workerData as ShowWorkerOptions);

// show sources by key: the engine sends each only once to a worker
const sources = new Map<string, string>();

// A batch of one account's calls, run and answered one by one.
parentPort!.on('message', (jobs: ShowJob[]) => {
  for (const job of jobs) {
    const outcome = answer(job);
    // the engine replaces this worker and sends the rest elsewhere
    if (!outcome.ok && (outcome.failure === 'crashed' || outcome.failure === 'memory')) break;
  }
});

function answer(job: ShowJob): ShowOutcome {
  if (job.source !== undefined) {
    // a few design doc revisions are kept; one let go is sent again on request
    if (sources.size >= 8) sources.delete(sources.keys().next().value!);
    sources.set(job.key, job.source);
  }
  const outcome = sandbox.call(job, sources.get(job.key));
  parentPort!.postMessage({ id: job.id, outcome });
  return outcome;
}

// Ready: only now does the engine send calls, so that a worker's start, slow
// on a busy machine, never counts against a call's time limit.
parentPort!.postMessage({ ready: true });
