// Settings from the environment: what an operator sees when a value is wrong.
import test from 'ava';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = '0123456789abcdef'.repeat(4);

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

test('an empty environment starts with the documented defaults', (t) => {
  const config = loadConfig({});
  t.deepEqual(config, {
    couchdbUrl: undefined,
    host: '127.0.0.1',
    port: 8000,
    dataDir: resolve('data'),
    embeddedPort: 0,
    masterApiKey: undefined,
    resetMasterKey: false,
    dbPrefix: '',
    maxFunctionBytes: 65536,
    showTimeoutMs: 5000,
    showWorkers: 4,
    accountConcurrency: 2,
    engine: 'show',
    sandboxIsolation: 'function',
    invokeDeadlineMs: 6000,
    bodyLimitBytes: 1024 * 1024,
    logLevel: 'info',
    couchTimeoutMs: 5000,
    maxCallBytes: 8192,
    maxResultBytes: 65536,
    disableAfterFailures: 6,
    disableWindowSeconds: 60,
    recordSuccesses: false,
    attemptsPerFunction: 50,
    logLines: 50,
    logBytes: 4096,
    oauthTokenSeconds: 900,
    authFailuresPerMinute: 10,
    accountCallsPerSecond: 0,
    globalCallsPerSecond: 50,
    globalBodyLimitBytes: 65536,
    trustProxy: false,
    tls: undefined,
    lpGateway: true,
    lpGatewayHost: undefined,
    lpRequestWindowSeconds: 600,
    echoAuthToken: true,
    corsOrigins: [],
    webhookAllowedNetworks: ['public'],
    webhookTimeoutMs: 10000,
    webhookBackoffMs: 2000,
    webhookDisableAfterFailures: 6,
    webhookDisableWindowSeconds: 60,
    eventsPollMs: 500,
    websocketPort: 0,
    websocketMaxBufferBytes: 1024 * 1024
  });
});

test('TLS files go in pairs; the LivePerson host has no port; CORS origins have no path', (t) => {
  t.throws(() => loadConfig({ COUCHFN_TLS_CERT_FILE: 'cert.pem' }), { message: /^COUCHFN_TLS_CERT_FILE and COUCHFN_TLS_KEY_FILE go together/ });
  t.deepEqual(loadConfig({ COUCHFN_TLS_CERT_FILE: 'c.pem', COUCHFN_TLS_KEY_FILE: 'k.pem' }).tls, { certFile: resolve('c.pem'), keyFile: resolve('k.pem') });
  t.throws(() => loadConfig({ COUCHFN_LP_GATEWAY_HOST: 'fn.example.com:8443' }), { message: /^COUCHFN_LP_GATEWAY_HOST must be a host name without a port/ });
  t.throws(() => loadConfig({ COUCHFN_CORS_ORIGINS: 'https://app.example.com/path' }), { message: /^COUCHFN_CORS_ORIGINS/ });
  t.deepEqual(loadConfig({ COUCHFN_CORS_ORIGINS: 'https://a.example.com, http://b.example.com:3000' }).corsOrigins, ['https://a.example.com', 'http://b.example.com:3000']);
  t.false(loadConfig({ COUCHFN_LP_GATEWAY: 'false', COUCHFN_ECHO_AUTH_TOKEN: 'false' }).lpGateway);
});

test('webhook networks are CIDRs or "public"; anything else is refused, naming the variable', (t) => {
  t.deepEqual(loadConfig({ COUCHFN_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8, public,fd00::/8,10.0.0.7' }).webhookAllowedNetworks, ['127.0.0.0/8', 'public', 'fd00::/8', '10.0.0.7']);
  for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129']) {
    t.throws(() => loadConfig({ COUCHFN_WEBHOOK_ALLOWED_NETWORKS: bad }), { message: /^COUCHFN_WEBHOOK_ALLOWED_NETWORKS must be comma-separated CIDRs/ }, bad);
  }
});

test('a log level pino does not know is refused, naming the variable', (t) => {
  t.throws(() => loadConfig({ COUCHFN_LOG_LEVEL: 'verbose' }), { message: /^COUCHFN_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"$/ });
  t.is(loadConfig({ COUCHFN_LOG_LEVEL: 'debug' }).logLevel, 'debug');
});

test('a database prefix must be a valid start of a CouchDB database name', (t) => {
  t.is(loadConfig({ COUCHFN_DB_PREFIX: 'acme_' }).dbPrefix, 'acme_');
  t.throws(() => loadConfig({ COUCHFN_DB_PREFIX: 'Acme' }), { message: /^COUCHFN_DB_PREFIX must start with a lowercase letter/ });
  t.throws(() => loadConfig({ COUCHFN_DB_PREFIX: '_x' }), { message: /^COUCHFN_DB_PREFIX/ });
});

test('empty strings count as unset', (t) => {
  t.like(loadConfig({ COUCHFN_PORT: '', COUCHDB_URL: '', COUCHFN_MASTER_API_KEY: '', COUCHFN_RECORD_SUCCESSES: '' }),
    { port: 8000, couchdbUrl: undefined, masterApiKey: undefined, recordSuccesses: false });
});

test('values given are used', (t) => {
  t.like(loadConfig({
    COUCHDB_URL: 'https://admin:pw@db.example.com:6984', COUCHFN_HOST: '0.0.0.0', COUCHFN_PORT: '9090', COUCHFN_DATA_DIR: '/var/lib/couchfn',
    COUCHFN_MASTER_API_KEY: KEY, COUCHFN_LOG_LEVEL: 'debug', COUCHFN_SHOW_WORKERS: '8', COUCHFN_RECORD_SUCCESSES: 'true'
  }), {
    couchdbUrl: 'https://admin:pw@db.example.com:6984', host: '0.0.0.0', port: 9090, dataDir: '/var/lib/couchfn',
    masterApiKey: KEY, logLevel: 'debug', showWorkers: 8, recordSuccesses: true
  });
});

test('COUCHFN_PORT=abc and COUCHFN_PORT=70000 are refused, naming the variable and the value', (t) => {
  t.regex(refusal({ COUCHFN_PORT: 'abc' }), /^COUCHFN_PORT .*"abc"/);
  t.regex(refusal({ COUCHFN_PORT: '70000' }), /^COUCHFN_PORT .*"70000"/);
  t.regex(refusal({ COUCHFN_PORT: '65536' }), /^COUCHFN_PORT .*"65536"/);
  t.regex(refusal({ COUCHFN_EMBEDDED_COUCH_PORT: '65536' }), /^COUCHFN_EMBEDDED_COUCH_PORT .*"65536"/);
  t.regex(refusal({ COUCHFN_PORT: '-1' }), /COUCHFN_PORT.*"-1"/);
  t.regex(refusal({ COUCHFN_PORT: '80.5' }), /COUCHFN_PORT.*"80\.5"/);
  t.is(loadConfig({ COUCHFN_PORT: '0' }).port, 0);
  t.is(loadConfig({ COUCHFN_PORT: '65535' }).port, 65535);
});

test('the engine is show or sandbox, and the sandbox isolates per function or per call', (t) => {
  t.like(loadConfig({ COUCHFN_ENGINE: 'sandbox', COUCHFN_SANDBOX_ISOLATION: 'call' }), { engine: 'sandbox', sandboxIsolation: 'call' });
  t.is(refusal({ COUCHFN_ENGINE: 'v8' }), 'COUCHFN_ENGINE must be one of show, sandbox, not "v8"');
  t.is(refusal({ COUCHFN_SANDBOX_ISOLATION: 'none' }), 'COUCHFN_SANDBOX_ISOLATION must be one of function, call, not "none"');
});

// Every integer setting: the range its error message states is the range it accepts.
const INTEGERS: [name: string, key: string, companions?: NodeJS.ProcessEnv][] = [
  ['COUCHFN_PORT', 'port'],
  ['COUCHFN_EMBEDDED_COUCH_PORT', 'embeddedPort'],
  ['COUCHFN_MAX_FUNCTION_BYTES', 'maxFunctionBytes'],
  ['COUCHFN_SHOW_TIMEOUT_MS', 'showTimeoutMs'],
  ['COUCHFN_SHOW_WORKERS', 'showWorkers'],
  ['COUCHFN_ACCOUNT_CONCURRENCY', 'accountConcurrency'],
  ['COUCHFN_INVOKE_TIMEOUT_MS', 'invokeDeadlineMs'],
  ['COUCHFN_BODY_LIMIT_BYTES', 'bodyLimitBytes'],
  ['COUCHFN_COUCH_TIMEOUT_MS', 'couchTimeoutMs'],
  ['COUCHFN_MAX_CALL_BYTES', 'maxCallBytes'],
  ['COUCHFN_MAX_RESULT_BYTES', 'maxResultBytes'],
  ['COUCHFN_DISABLE_AFTER_FAILURES', 'disableAfterFailures', { COUCHFN_ATTEMPTS_PER_FUNCTION: '1000' }],
  ['COUCHFN_DISABLE_WINDOW_SECONDS', 'disableWindowSeconds'],
  ['COUCHFN_ATTEMPTS_PER_FUNCTION', 'attemptsPerFunction', { COUCHFN_DISABLE_AFTER_FAILURES: '0' }],
  ['COUCHFN_OAUTH_TOKEN_SECONDS', 'oauthTokenSeconds']
];

for (const [name, key, companions = {}] of INTEGERS) {
  test(`${name}: refused outside its stated range, accepted at both ends`, (t) => {
    const message = refusal({ ...companions, [name]: 'abc' });
    t.true(message.startsWith(`${name} `), message);
    t.true(message.includes('"abc"'), message);
    const range = /from (-?\d+) to (-?\d+)/.exec(message);
    if (!range) return t.fail(`no range in: ${message}`);
    const [min, max] = [Number(range[1]), Number(range[2])];
    t.true(min <= max);
    for (const bad of [min - 1, max + 1]) {
      const refused = refusal({ ...companions, [name]: String(bad) });
      t.true(refused.startsWith(`${name} `) && refused.includes(`"${bad}"`), refused);
    }
    t.true(refusal({ ...companions, [name]: `${min}.5` }).includes(`"${min}.5"`));
    for (const good of [min, max]) t.is((loadConfig({ ...companions, [name]: String(good) }) as unknown as Record<string, number>)[key], good);
  });
}

test('a value of only spaces is not silently read as 0 (COUCHFN_PORT=" " would listen on a random port)', (t) => {
  let port: number | string;
  try { port = loadConfig({ COUCHFN_PORT: ' ' }).port; } catch { port = 'refused'; }
  t.not(port, 0);
});

test('COUCHFN_RECORD_SUCCESSES takes true/false/1/0 in any case, and refuses anything else', (t) => {
  for (const yes of ['true', 'TRUE', 'True', '1']) t.true(loadConfig({ COUCHFN_RECORD_SUCCESSES: yes }).recordSuccesses, yes);
  for (const no of ['false', 'FALSE', '0', '']) t.false(loadConfig({ COUCHFN_RECORD_SUCCESSES: no }).recordSuccesses, no);
  for (const bad of ['yes', 'no', 'on', '2']) {
    t.is(refusal({ COUCHFN_RECORD_SUCCESSES: bad }), `COUCHFN_RECORD_SUCCESSES must be true or false, not "${bad}"`);
  }
});

test('COUCHDB_URL must be http(s), and the refusal does not print the password', (t) => {
  for (const bad of ['couchdb://admin:s3cret@db:5984', 'admin:s3cret@db:5984', 'ftp://admin:s3cret@db', 'http://']) {
    const message = refusal({ COUCHDB_URL: bad });
    t.regex(message, /^COUCHDB_URL must be an http\(s\) URL/);
    t.false(message.includes('s3cret'), message);
  }
  t.is(loadConfig({ COUCHDB_URL: 'http://admin:s3cret@127.0.0.1:5984' }).couchdbUrl, 'http://admin:s3cret@127.0.0.1:5984');
  t.is(loadConfig({ COUCHDB_URL: 'https://db.example.com' }).couchdbUrl, 'https://db.example.com');
});

test('COUCHFN_MASTER_API_KEY must be 64 lowercase hex characters, and the refusal does not print it', (t) => {
  t.is(loadConfig({ COUCHFN_MASTER_API_KEY: KEY }).masterApiKey, KEY);
  for (const bad of [KEY.toUpperCase(), KEY.slice(1), `${KEY}0`, `${KEY.slice(1)}g`, `${KEY.slice(2)} \n`]) {
    const message = refusal({ COUCHFN_MASTER_API_KEY: bad });
    t.is(message, 'COUCHFN_MASTER_API_KEY must be 64 lowercase hex characters');
  }
});

test('COUCHFN_ATTEMPTS_PER_FUNCTION below COUCHFN_DISABLE_AFTER_FAILURES is refused', (t) => {
  t.regex(refusal({ COUCHFN_ATTEMPTS_PER_FUNCTION: '5', COUCHFN_DISABLE_AFTER_FAILURES: '6' }),
    /^COUCHFN_ATTEMPTS_PER_FUNCTION must be at least COUCHFN_DISABLE_AFTER_FAILURES/);
  t.regex(refusal({ COUCHFN_DISABLE_AFTER_FAILURES: '51' }), /COUCHFN_ATTEMPTS_PER_FUNCTION must be at least COUCHFN_DISABLE_AFTER_FAILURES/);
  t.like(loadConfig({ COUCHFN_ATTEMPTS_PER_FUNCTION: '6', COUCHFN_DISABLE_AFTER_FAILURES: '6' }), { attemptsPerFunction: 6, disableAfterFailures: 6 });
  t.like(loadConfig({ COUCHFN_ATTEMPTS_PER_FUNCTION: '1', COUCHFN_DISABLE_AFTER_FAILURES: '0' }), { attemptsPerFunction: 1, disableAfterFailures: 0 });
});

test('COUCHFN_INVOKE_TIMEOUT_MS defaults to COUCHFN_SHOW_TIMEOUT_MS + 1000, and may be set on its own', (t) => {
  t.like(loadConfig({ COUCHFN_SHOW_TIMEOUT_MS: '2000' }), { showTimeoutMs: 2000, invokeDeadlineMs: 3000 });
  t.like(loadConfig({ COUCHFN_SHOW_TIMEOUT_MS: '30000' }), { showTimeoutMs: 30000, invokeDeadlineMs: 31000 });
  t.like(loadConfig({ COUCHFN_SHOW_TIMEOUT_MS: '2000', COUCHFN_INVOKE_TIMEOUT_MS: '9000' }), { showTimeoutMs: 2000, invokeDeadlineMs: 9000 });
  t.regex(refusal({ COUCHFN_SHOW_TIMEOUT_MS: 'soon' }), /^COUCHFN_SHOW_TIMEOUT_MS .*"soon"/);
});
