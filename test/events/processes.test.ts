// Several proxy processes on one CouchDB: process A runs in this test,
// process B is a real `node dist/scripts/start.js` beside it. Each webhook
// event is delivered once however many processes read it; a socket on B
// sees what is done through A; events that happened while every process was
// down are delivered after a restart; a delivery whose process died is
// taken over by another (at least once).
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startCouchfn, type Couchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, TestApi, testPrefix, type Caller } from '../helpers/api.js';
import { startTestCouch, type TestCouch } from '../helpers/couch.js';
import { Receiver, until } from '../helpers/receiver.js';
import { SocketClient } from '../helpers/socket.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const receiver = new Receiver();
let couch: TestCouch;
let env: Record<string, string>;
let a: TestApi;
let master: Caller;
const children = new Set<ChildProcess>();

interface Process { proc: ChildProcess; api: string; output: () => string }

/** Process B: the real entry point, on the same CouchDB and prefix. */
async function startProcess(): Promise<Process> {
  const proc = spawn(process.execPath, ['dist/scripts/start.js'], {
    cwd: root, env: { ...process.env, ...env, COUCHFN_PORT: '0', COUCHFN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe']
  });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  let text = '';
  proc.stdout!.on('data', (d) => { text += d; });
  proc.stderr!.on('data', (d) => { text += d; });
  const api = await until(() => /REST API\s+(http:\/\/\S+)\/v2/.exec(text)?.[1], 30_000, `process B to start: ${text}`);
  return { proc, api, output: () => text };
}

async function stopProcess(p: Process, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.proc.exitCode !== null) return;
  const exited = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill(signal);
  await exited;
}

async function startA(): Promise<TestApi> {
  const couchfn: Couchfn = await startCouchfn(loadConfig(env));
  return new TestApi(couch, couchfn);
}

async function viaB(b: Process, method: string, path: string, token: string, data?: unknown): Promise<any> {
  const res = await fetch(`${b.api}${path}`, {
    method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(data === undefined ? {} : { body: JSON.stringify({ data }) })
  });
  return res.json();
}

const hookBody = (path: string, extra: Record<string, unknown> = {}) => ({ data: { name: 'h', uri: receiver.url(path), hook: 'all', format: 'json', ...extra } });

test.before(async () => {
  await receiver.start();
  couch = await startTestCouch();
  env = {
    COUCHDB_URL: couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: testPrefix(),
    COUCHFN_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', COUCHFN_WEBHOOK_BACKOFF_MS: '20', COUCHFN_WEBHOOK_TIMEOUT_MS: '2000', COUCHFN_EVENTS_POLL_MS: '50'
  };
  a = await startA();
  master = await a.master();
});
test.after.always(async () => {
  for (const c of children) c.kill('SIGKILL');
  await a?.couchfn.close();
  await couch?.stop();
  await receiver.stop();
});

test.serial('two processes on one CouchDB deliver each webhook event exactly once; a socket on B sees changes made through A', async (t) => {
  const b = await startProcess();
  try {
    const account = await a.account(master, 'two processes');
    t.is((await a.call('PUT', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token, body: hookBody('/once') })).status, 201);
    // a socket on B, which A must learn of before it writes invocation events
    const client = await SocketClient.connect(`${b.api.replace('http', 'ws')}/v2/websocket`);
    t.is((await client.subscribe(account.token, account.accountId, ['object.*.function', 'function.invoked.*'])).status, 'success');
    await until(async () => (await a.call('GET', `/v2/accounts/${account.accountId}/websockets`, { token: account.token })).body.data.length === 1, 5000, 'A to see the socket on B');
    // B reads the hook from the changes feed before it is used there
    await new Promise((r) => setTimeout(r, 300));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const body = { name: `fn${i}`, function_js: "return {module:'tts',data:{text:'hi'}};" };
      const id = i % 2 === 0 ? await a.createFunction(account, body) : (await viaB(b, 'PUT', `/v2/accounts/${account.accountId}/functions`, account.token, body)).data.id;
      ids.push(id);
      // invoked through the other process
      if (i % 2 === 0) t.is((await viaB(b, 'POST', `/v2/accounts/${account.accountId}/functions/${id}/invoke`, account.token, {})).status, 'success');
      else t.is((await a.invoke(account, id)).status, 200);
    }
    const expected = ids.length * 2;
    await until(() => new Set(receiver.on('/once').map((r) => r.json.event_id)).size >= expected, 15_000, `${expected} events`);
    await new Promise((r) => setTimeout(r, 1500)); // time for any duplicate to arrive
    const eventIds = receiver.on('/once').map((r) => r.json.event_id);
    t.is(eventIds.length, expected, 'no event delivered twice');
    t.is(new Set(eventIds).size, expected);
    // each function once, in whatever order the deliveries arrived
    const functionsOf = (event: string) => receiver.on('/once').filter((r) => r.json.event === event).map((r) => r.json.function_id as string).sort();
    t.deepEqual(functionsOf('object.doc_created.function'), [...ids].sort());
    t.deepEqual(functionsOf('function.invoked'), [...ids].sort());
    // the socket on B saw what was done through A (created by A, invoked through A)
    const created = await client.event((e) => e.name === 'doc_created' && e.data.function_id === ids[0]);
    t.is(created.data.name, 'fn0');
    const invoked = await client.event((e) => e.name === 'invoked' && e.data.function_id === ids[1]);
    t.is(invoked.data.result, 'success');
    client.close();
  } finally {
    await stopProcess(b);
  }
});

test.serial('a restart delivers what happened while every process was down', async (t) => {
  const account = await a.account(master, 'restart');
  t.is((await a.call('PUT', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token, body: hookBody('/missed') })).status, 201);
  const before = await a.createFunction(account, { name: 'before', function_js: "return {module:'tts',data:{text:'hi'}};" });
  await until(() => receiver.on('/missed').length >= 1, 10_000, 'the event before the stop');
  await a.couchfn.close();
  // while no process runs: a function written straight to CouchDB, as Kazoo's crossbar would
  const u = new URL(couch.url);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  const put = await fetch(`${u.origin}/${env.COUCHFN_DB_PREFIX}functions/missed0123456789abcdef0123456789`, {
    method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ pvt_type: 'function', pvt_account_id: account.accountId, name: 'while down', function_js: "return {module:'tts',data:{text:'x'}};" })
  });
  t.is(put.status, 201);
  a = await startA();
  master = await a.master();
  const missed = await until(() => receiver.on('/missed').find((r) => r.json.name === 'while down'), 10_000, 'the missed event');
  t.like(missed.json, { event: 'object.doc_created.function', function_id: 'missed0123456789abcdef0123456789', account_id: account.accountId });
  await new Promise((r) => setTimeout(r, 500));
  // what was delivered before the stop is not delivered again
  t.is(receiver.on('/missed').filter((r) => r.json.function_id === before).length, 1);
  t.is(receiver.on('/missed').length, 2);
});

test.serial('a process killed mid-delivery: another takes the delivery over when its lease runs out (at least once)', async (t) => {
  const account = await a.account(master, 'killed');
  t.is((await a.call('PUT', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token, body: hookBody('/hang', { retries: 0, hook: 'object' }) })).status, 201);
  await a.couchfn.close();
  // only B runs: it claims the delivery, and dies while the receiver keeps it waiting
  receiver.status = (r) => (r.path === '/hang' ? 'hang' : 200);
  const b = await startProcess();
  const created = await viaB(b, 'PUT', `/v2/accounts/${account.accountId}/functions`, account.token, { name: 'orphan', function_js: "return {module:'tts',data:{text:'hi'}};" });
  await until(() => receiver.on('/hang').length >= 1, 10_000, 'B\'s request');
  await stopProcess(b, 'SIGKILL');
  receiver.status = () => 200;
  a = await startA();
  master = await a.master();
  const again = await until(() => receiver.on('/hang').length >= 2 && receiver.on('/hang')[1], 20_000, 'the delivery taken over');
  t.is(again.json.function_id, created.data.id);
  t.is(again.json.event_id, receiver.on('/hang')[0].json.event_id);
});
