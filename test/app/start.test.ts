// npm start as an operator meets it: a CouchDB already on 5984, SIGTERM from
// a supervisor, and logs that never show a token, a password or a key.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const MASTER = 'beef'.repeat(16);

interface Started { proc: ChildProcess; output: () => string; api: string; couchPort: number; dataDir: string }

function occupy(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null)); // already taken by someone else: just as good
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function npmStart(env: Record<string, string>): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'couchfn-start-'));
  const proc = spawn('npm', ['start', '--silent'], {
    cwd: root, env: { ...process.env, COUCHDB_URL: '', COUCHFN_PORT: '0', COUCHFN_DATA_DIR: dataDir, COUCHFN_MASTER_API_KEY: MASTER, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let text = '';
  proc.stdout!.on('data', (d) => { text += d; });
  proc.stderr!.on('data', (d) => { text += d; });
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${text}`)), 45_000);
    const check = () => { if (/Master account/.test(text)) { clearTimeout(timer); resolve(text); } };
    proc.stdout!.on('data', check);
    proc.once('exit', () => { clearTimeout(timer); resolve(text); });
  });
  const api = /REST API\s+(http:\/\/\S+)\/v2/.exec(banner)?.[1] ?? '';
  const couchPort = Number(/CouchDB\s+http:\/\/[^@]*@127\.0\.0\.1:(\d+)/.exec(banner)?.[1] ?? 0);
  return { proc, output: () => text, api, couchPort, dataDir };
}

/** How the process ended: its exit code, or the signal that ended it. */
function stopped(proc: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode ?? proc.signalCode);
    else proc.once('exit', (code, signal) => resolve(code ?? signal));
  });
}

async function eventuallyFree(port: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await portFree(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test.serial('with 5984 taken, npm start runs on a port of its own; SIGTERM to npm frees every port', async (t) => {
  const blocker = await occupy(5984);
  t.teardown(() => blocker?.close());
  const started = await npmStart({});
  t.teardown(() => { started.proc.kill('SIGKILL'); rmSync(started.dataDir, { recursive: true, force: true }); });
  t.truthy(started.api, started.output());
  t.true(started.couchPort > 0 && started.couchPort !== 5984, started.output());
  t.is((await fetch(`${started.api}/healthz`)).status, 200);
  const apiPort = Number(new URL(started.api).port);
  started.proc.kill('SIGTERM');
  t.true([0, 'SIGTERM'].includes(await stopped(started.proc) as number));
  // the service itself stopped, not only npm: its ports are free again
  t.true(await eventuallyFree(apiPort), 'API port free');
  t.true(await eventuallyFree(started.couchPort), 'embedded CouchDB port free');
});

test.serial('a chosen embedded port that is taken stops the start with one line naming the setting', async (t) => {
  const blocker = await occupy(0) ?? undefined;
  const port = (blocker!.address() as { port: number }).port;
  t.teardown(() => blocker!.close());
  const started = await npmStart({ COUCHFN_EMBEDDED_COUCH_PORT: String(port) });
  t.teardown(() => rmSync(started.dataDir, { recursive: true, force: true }));
  t.is(await stopped(started.proc), 1);
  t.regex(started.output(), /^error: the embedded CouchDB cannot listen on 127\.0\.0\.1:\d+: the port is taken \(COUCHFN_EMBEDDED_COUCH_PORT\)/m);
});

test.serial('no log line or banner carries a token, the admin password or the master key', async (t) => {
  const started = await npmStart({ COUCHFN_LOG_LEVEL: 'debug' });
  t.teardown(() => { started.proc.kill('SIGKILL'); rmSync(started.dataDir, { recursive: true, force: true }); });
  const json = { 'content-type': 'application/json' };
  const login = await (await fetch(`${started.api}/v2/api_auth`, { method: 'PUT', headers: json, body: JSON.stringify({ data: { api_key: MASTER } }) })).json() as { auth_token: string; data: { account_id: string } };
  const token = login.auth_token;
  const account = login.data.account_id;
  const created = await (await fetch(`${started.api}/v2/accounts/${account}/functions`, {
    method: 'PUT', headers: { ...json, 'x-auth-token': token }, body: JSON.stringify({ data: { name: 'fails', function_js: "throw new Error('no');" } })
  })).json() as { data: { id: string } };
  const pivot = `${started.api}/v2/accounts/${account}/functions/${created.data.id}/pivot`;
  for (const key of ['auth_token', 'auth%5ftoken', '%61uth_token']) {
    t.is((await fetch(`${pivot}?To=2000&${key}=${token}`)).status, 500);
  }
  t.is((await fetch(`${started.api}/healthz?password=hunter2`)).status, 200);
  started.proc.kill('SIGTERM');
  await stopped(started.proc);
  const log = started.output();
  const password = (JSON.parse(readFileSync(join(started.dataDir, 'admin.json'), 'utf8')) as { password: string }).password;
  t.true(log.includes('function failed: function_error'), 'the failing calls were logged, at info: the function\'s fault, not the service\'s');
  t.false(log.includes(token), 'no token');
  t.false(log.includes(password), 'no admin password');
  t.false(log.includes(MASTER), 'no master key');
});
