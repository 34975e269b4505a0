// npm start: the main CouchDB (embedded unless COUCHDB_URL is set), the REST
// API on COUCHFN_HOST:COUCHFN_PORT, and how to call it.
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { startCouchfn } from '../src/app/couchfn.js';
import { loadConfig } from '../src/config.js';
import { describeCouchError, redact } from '../src/couch/errors.js';
import { fail } from '../src/cli.js';
import { LOG_REDACT } from '../src/http/redact.js';
import { pino } from 'pino';

const config = (() => { try { return loadConfig(); } catch (err) { return fail(err); } })();
const couchfn = await startCouchfn(config, pino({ level: config.logLevel, redact: LOG_REDACT }))
  .catch((err) => fail(new Error(config.couchdbUrl ? describeCouchError(err, config.couchdbUrl) : (err as Error).message)));
try {
  await couchfn.app.listen({ port: config.port, host: config.host });
} catch (err) {
  await couchfn.close();
  // the master account exists now: its new key must not be lost with this start
  if (couchfn.generatedMasterKey) console.error(`The master API key, generated now (keep it; it is not shown again): ${couchfn.generatedMasterKey}`);
  const taken = (err as { code?: string }).code === 'EADDRINUSE';
  fail(new Error(`the REST API cannot listen on ${config.host}:${config.port}${taken ? ': the port is taken; set COUCHFN_PORT to another' : `: ${(err as Error).message}`}`));
}

let websocketLine = '';
if (config.websocketPort) {
  try {
    const port = await couchfn.websockets.listen(config.websocketPort, config.host);
    websocketLine = `\n  Websockets ws://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/v2/websocket (COUCHFN_WEBSOCKET_PORT)`;
  } catch (err) {
    await couchfn.close();
    fail(new Error(`the websocket port ${config.websocketPort} cannot be used (COUCHFN_WEBSOCKET_PORT): ${(err as Error).message}`));
  }
}

const couch = new URL(couchfn.mainCouch.url);
// the admin password stays in its file: the banner shows how to read it, never the password
const adminPath = join(config.dataDir, 'admin.json');
const adminFile = relative(process.cwd(), adminPath).startsWith('..') ? adminPath : `./${relative(process.cwd(), adminPath)}`;
const showCurl = couchfn.mainCouch.embedded
  ? `\nOr the show itself, as Kazoo's cf_function calls it (the embedded admin's password is in ${adminFile}):\n`
    + `  COUCH_AUTH=$(node -p "const a = require('${adminFile}'); a.username + ':' + a.password")\n`
    + `  curl -g -u "$COUCH_AUTH" '${couch.origin}/functions/_design/functions/_show/wh/<function id>?To=2000&Caller-ID-Name=Alice+Smith&Custom-SIP-Headers[X-Foo]=a+b'\n`
  : '';
const { port } = couchfn.app.server.address() as AddressInfo;
const api = `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
const key = couchfn.generatedMasterKey;
console.log(`
couchfn is running.
  Console    ${api}/console/   (sign in with an API key)
  REST API   ${api}/v2   (OpenAPI: ${api}/v2/openapi.json)
  Live events ws${api.slice(4)}/v2/websocket, webhooks at ${api}/v2/accounts/<id>/webhooks${websocketLine}
  CouchDB    ${redact(couchfn.mainCouch.url)}${couchfn.mainCouch.embedded ? ` (embedded, data in ${config.dataDir})` : ''}
  Engine     ${config.engine === 'sandbox' ? `sandbox (functions run in this process's QuickJS workers, ${config.sandboxIsolation} isolation)` : 'show (functions run in CouchDB\'s show wh)'}, COUCHFN_ENGINE
  Master account ${couchfn.master._id}
${key ? `  Master API key (shown once; keep it): ${key}\n` : '  Master API key: the one set at the first start (printed then, or COUCHFN_MASTER_API_KEY as it was then; COUCHFN_RESET_MASTER_KEY=true with a new COUCHFN_MASTER_API_KEY replaces a lost one)\n'}
Try it:
  TOKEN=$(curl -s -X PUT ${api}/v2/api_auth -H 'Content-Type: application/json' \\
    -d '{"data":{"api_key":"${key ?? '<master API key>'}"}}' | sed -E 's/.*"auth_token":"([^"]+)".*/\\1/')
  curl -s -X PUT ${api}/v2/accounts/${couchfn.master._id}/functions -H "X-Auth-Token: $TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{"data":{"name":"hi","function_js":"return {module:\\"tts\\",data:{text:\\"Hi \\"+call[\\"Caller-ID-Name\\"]}};"}}'
  curl -s -X POST ${api}/v2/accounts/${couchfn.master._id}/functions/<function id>/invoke -H "X-Auth-Token: $TOKEN" \\
    -H 'Content-Type: application/json' -d '{"data":{"Caller-ID-Name":"Alice Smith","To":"2000"}}'
${showCurl}`);

// Graceful: requests under way finish and their attempts are written.
let stopping = false;
function stop(why: string): void {
  if (stopping) return;
  stopping = true;
  couchfn.app.log.info({ why }, 'shutting down');
  void couchfn.close().then(() => process.exit(0), () => process.exit(1));
}
// Ctrl-C reaches node twice (from the terminal, and from npm): the second must not cut the first short
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
// Started by npm start, and npm went away without passing a signal on: stop too.
// (Started otherwise, e.g. nohup or a daemon wrapper, the parent may go on purpose.)
if (process.env.COUCHFN_LAUNCHED_BY === 'npm start') {
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop('parent process gone'); }, 500).unref();
}
