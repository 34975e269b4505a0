// npm start: the main CouchDB (embedded unless COUCHDB_URL is set), the REST
// API on COUCHFN_HOST:COUCHFN_PORT, and how to call it.
import { startCouchfn } from '../src/app/couchfn.js';
import { loadConfig } from '../src/config.js';
import { describeCouchError, redact } from '../src/couch/errors.js';
import { fail } from '../src/cli.js';

const config = (() => { try { return loadConfig(); } catch (err) { return fail(err); } })();
const couchfn = await startCouchfn(config, { level: config.logLevel })
  .catch((err) => fail(new Error(config.couchdbUrl ? describeCouchError(err, config.couchdbUrl) : (err as Error).message)));
try {
  await couchfn.app.listen({ port: config.port, host: config.host });
} catch (err) {
  await couchfn.close();
  fail(new Error(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`));
}

const couch = new URL(couchfn.mainCouch.url);
const showCurl = couchfn.mainCouch.embedded
  ? `\nOr the show itself, as Kazoo's cf_function calls it:\n  curl -g -u '${decodeURIComponent(couch.username)}:${decodeURIComponent(couch.password)}' '${couch.origin}/functions/_design/functions/_show/wh/<function id>?To=2000&Caller-ID-Name=Alice+Smith&Custom-SIP-Headers[X-Foo]=a+b'\n`
  : '';
const api = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
const key = couchfn.generatedMasterKey;
console.log(`
couchfn is running.
  REST API   ${api}/v2   (OpenAPI: ${api}/v2/openapi.json)
  CouchDB    ${redact(couchfn.mainCouch.url)}${couchfn.mainCouch.embedded ? ` (embedded, data in ${config.dataDir})` : ''}
  Master account ${couchfn.master._id}
${key ? `  Master API key (shown once; keep it): ${key}\n` : '  Master API key: the one printed at first start, or COUCHFN_MASTER_API_KEY\n'}
Try it:
  TOKEN=$(curl -s -X PUT ${api}/v2/api_auth -H 'Content-Type: application/json' \\
    -d '{"data":{"api_key":"${key ?? '<master API key>'}"}}' | sed -E 's/.*"auth_token":"([^"]+)".*/\\1/')
  curl -s -X PUT ${api}/v2/accounts/${couchfn.master._id}/functions -H "X-Auth-Token: $TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{"data":{"name":"hi","function_js":"return {module:\\"tts\\",data:{text:\\"Hi \\"+call[\\"Caller-ID-Name\\"]}};"}}'
  curl -s -X POST ${api}/v2/accounts/${couchfn.master._id}/functions/<function id>/invoke -H "X-Auth-Token: $TOKEN" \\
    -H 'Content-Type: application/json' -d '{"data":{"Caller-ID-Name":"Alice Smith","To":"2000"}}'
${showCurl}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    couchfn.app.log.info({ signal }, 'shutting down');
    void couchfn.close().then(() => process.exit(0), () => process.exit(1));
  });
}
