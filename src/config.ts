// Settings from the environment, checked once at start: a bad value stops
// the start with one line that names it.
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** CouchDB's rule for a database name's start, kept for the whole prefix. */
const DB_PREFIX_PATTERN = /^([a-z][a-z0-9_$()+\-/]*)?$/;

export interface Config {
  /** main CouchDB with credentials; undefined starts the embedded server */
  couchdbUrl?: string;
  host: string;
  port: number;
  dataDir: string;
  /** where the embedded CouchDB listens */
  embeddedPort: number;
  masterApiKey?: string;
  /** put before couchfn's database names, so that several installs can share one CouchDB ('' keeps Kazoo's `functions`) */
  dbPrefix: string;
  /** replace a stored master key with masterApiKey (recovery); otherwise a different one is ignored */
  resetMasterKey: boolean;
  /** largest function_js accepted, in bytes */
  maxFunctionBytes: number;
  /** the show engine's own limit, as CouchDB's os_process_timeout */
  showTimeoutMs: number;
  /** embedded engine: how many show workers, and how many calls of one account may run at once */
  showWorkers: number;
  accountConcurrency: number;
  /** what runs functions on invocations: CouchDB's show, or the proxy's own QuickJS sandbox */
  engine: 'show' | 'sandbox';
  /** sandbox engine: which calls share a context (a function revision's, or none) */
  sandboxIsolation: 'function' | 'call';
  /** how long the proxy waits for an invocation (above the engine's own limit, which is what blames a function) */
  invokeDeadlineMs: number;
  bodyLimitBytes: number;
  logLevel: string;
  /** how long any other CouchDB request may take */
  couchTimeoutMs: number;
  /** largest call, as the encoded query string (CouchDB limits URL length) */
  maxCallBytes: number;
  /** largest callflow a function may return */
  maxResultBytes: number;
  /** auto-disable after this many of the function's own failures (0: never)... */
  disableAfterFailures: number;
  /** ...within this many seconds */
  disableWindowSeconds: number;
  /** keep successful attempts too (failures are always kept) */
  recordSuccesses: boolean;
  /** how many failures, and successes, are kept per function */
  attemptsPerFunction: number;
  /** console lines, and their bytes, a function's run keeps */
  logLines: number;
  logBytes: number;
  /** lifetime of OAuth client-credentials tokens */
  oauthTokenSeconds: number;
  /** failed api_auth or /oauth/token attempts a client address may make a minute (0: no limit) */
  authFailuresPerMinute: number;
  /** invocations one account may make a second, per proxy process (0: no limit) */
  accountCallsPerSecond: number;
  /** calls the public route of global functions takes a second per reseller, per proxy process (0: no limit) */
  globalCallsPerSecond: number;
  /** largest request body the public route of global functions reads */
  globalBodyLimitBytes: number;
  /** proxies in front whose X-Forwarded-For is believed (so limits see the client's address): true, or addresses/CIDRs */
  trustProxy: boolean | string[];
  /** serve HTTPS with this certificate and key (PEM files); both or neither */
  tls?: { certFile: string; keyFile: string };
  /** the LivePerson-compatible gateway (/api/account/..., /sentinel/...) */
  lpGateway: boolean;
  /** the host (no port) the gateway tells LivePerson clients in service discovery; unset: the host the discovery request came to */
  lpGatewayHost?: string;
  /** how long a repeated X-Request-ID answers the first result instead of running again */
  lpRequestWindowSeconds: number;
  /** Kazoo's envelope repeats the request's auth token as `auth_token` */
  echoAuthToken: boolean;
  /** browser origins the API sends CORS headers to ('*': any) */
  corsOrigins: string[];
  /** where webhooks may send requests: CIDRs, and `public` for every public address (the default) */
  webhookAllowedNetworks: string[];
  /** how long one webhook request may take */
  webhookTimeoutMs: number;
  /** the first retry's delay; each next one waits twice as long */
  webhookBackoffMs: number;
  /** a hook is disabled after this many failed requests... (0: never) */
  webhookDisableAfterFailures: number;
  /** ...within this many seconds */
  webhookDisableWindowSeconds: number;
  /** how often each process reads the changes feeds events come from */
  eventsPollMs: number;
  /** a second port for websockets only, as Kazoo's blackhole on 5555 (0: none; /v2/websocket on the API port always works) */
  websocketPort: number;
  /** what may wait unsent on one websocket before it is cut off */
  websocketMaxBufferBytes: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

function oneOf(env: NodeJS.ProcessEnv, name: string, allowed: string[], fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not "${raw}"`);
  return raw;
}

function dbPrefix(env: NodeJS.ProcessEnv): string {
  const raw = env.COUCHFN_DB_PREFIX ?? '';
  if (!DB_PREFIX_PATTERN.test(raw)) throw new ConfigError(`COUCHFN_DB_PREFIX must start with a lowercase letter and hold only a-z 0-9 _ $ ( ) + - /, not "${raw}"`);
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false, not "${env[name]}"`);
}

/** COUCHFN_WEBHOOK_ALLOWED_NETWORKS: CIDRs (a bare address is one host) and the word `public`. */
function networks(env: NodeJS.ProcessEnv): string[] {
  const raw = env.COUCHFN_WEBHOOK_ALLOWED_NETWORKS;
  if (raw === undefined || raw.trim() === '') return ['public'];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) {
    if (item === 'public') continue;
    const [address, bits, extra] = item.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new ConfigError(`COUCHFN_WEBHOOK_ALLOWED_NETWORKS must be comma-separated CIDRs (127.0.0.0/8, fd00::/8) or "public", not "${item}"`);
    }
  }
  return list;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const couchdbUrl = env.COUCHDB_URL || undefined;
  if (couchdbUrl && !/^https?:\/\/[^/]+/.test(couchdbUrl)) throw new ConfigError('COUCHDB_URL must be an http(s) URL such as http://admin:secret@127.0.0.1:5984');
  const masterApiKey = env.COUCHFN_MASTER_API_KEY || undefined;
  if (masterApiKey && !/^[0-9a-f]{64}$/.test(masterApiKey)) throw new ConfigError('COUCHFN_MASTER_API_KEY must be 64 lowercase hex characters');
  const config: Config = {
    couchdbUrl,
    host: env.COUCHFN_HOST || '127.0.0.1',
    port: integer(env, 'COUCHFN_PORT', 8000, 0, 65535),
    dataDir: resolve(env.COUCHFN_DATA_DIR || 'data'),
    // 0: a free port of its own, so a CouchDB already on 5984 is no obstacle
    embeddedPort: integer(env, 'COUCHFN_EMBEDDED_COUCH_PORT', 0, 0, 65535),
    masterApiKey,
    resetMasterKey: flag(env, 'COUCHFN_RESET_MASTER_KEY'),
    dbPrefix: dbPrefix(env),
    maxFunctionBytes: integer(env, 'COUCHFN_MAX_FUNCTION_BYTES', 65536, 1, 1024 * 1024),
    showTimeoutMs: integer(env, 'COUCHFN_SHOW_TIMEOUT_MS', 5000, 100, 30000),
    showWorkers: integer(env, 'COUCHFN_SHOW_WORKERS', 4, 1, 64),
    accountConcurrency: integer(env, 'COUCHFN_ACCOUNT_CONCURRENCY', 2, 1, 64),
    engine: oneOf(env, 'COUCHFN_ENGINE', ['show', 'sandbox'], 'show') as Config['engine'],
    sandboxIsolation: oneOf(env, 'COUCHFN_SANDBOX_ISOLATION', ['function', 'call'], 'function') as Config['sandboxIsolation'],
    invokeDeadlineMs: integer(env, 'COUCHFN_INVOKE_TIMEOUT_MS', integer(env, 'COUCHFN_SHOW_TIMEOUT_MS', 5000, 100, 30000) + 1000, 100, 31000),
    bodyLimitBytes: integer(env, 'COUCHFN_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024),
    logLevel: oneOf(env, 'COUCHFN_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    couchTimeoutMs: integer(env, 'COUCHFN_COUCH_TIMEOUT_MS', 5000, 100, 60000),
    maxCallBytes: integer(env, 'COUCHFN_MAX_CALL_BYTES', 8192, 256, 65536),
    maxResultBytes: integer(env, 'COUCHFN_MAX_RESULT_BYTES', 65536, 256, 1024 * 1024),
    disableAfterFailures: integer(env, 'COUCHFN_DISABLE_AFTER_FAILURES', 6, 0, 1000),
    disableWindowSeconds: integer(env, 'COUCHFN_DISABLE_WINDOW_SECONDS', 60, 1, 86400),
    recordSuccesses: flag(env, 'COUCHFN_RECORD_SUCCESSES'),
    attemptsPerFunction: integer(env, 'COUCHFN_ATTEMPTS_PER_FUNCTION', 50, 1, 1000),
    // the show's own ceilings (designdocs/functions/lib/console.ts): 200 lines, 8 KB
    logLines: integer(env, 'COUCHFN_LOG_LINES', 50, 0, 200),
    logBytes: integer(env, 'COUCHFN_LOG_BYTES', 4096, 0, 8192),
    oauthTokenSeconds: integer(env, 'COUCHFN_OAUTH_TOKEN_SECONDS', 900, 1, 86400),
    authFailuresPerMinute: integer(env, 'COUCHFN_AUTH_FAILURES_PER_MINUTE', 10, 0, 100000),
    accountCallsPerSecond: integer(env, 'COUCHFN_ACCOUNT_CALLS_PER_SECOND', 0, 0, 100000),
    globalCallsPerSecond: integer(env, 'COUCHFN_GLOBAL_CALLS_PER_SECOND', 50, 0, 100000),
    globalBodyLimitBytes: integer(env, 'COUCHFN_GLOBAL_BODY_LIMIT_BYTES', 65536, 1024, 16 * 1024 * 1024),
    webhookAllowedNetworks: networks(env),
    webhookTimeoutMs: integer(env, 'COUCHFN_WEBHOOK_TIMEOUT_MS', 10000, 100, 60000),
    webhookBackoffMs: integer(env, 'COUCHFN_WEBHOOK_BACKOFF_MS', 2000, 0, 60000),
    webhookDisableAfterFailures: integer(env, 'COUCHFN_WEBHOOK_DISABLE_AFTER_FAILURES', 6, 0, 1000),
    webhookDisableWindowSeconds: integer(env, 'COUCHFN_WEBHOOK_DISABLE_WINDOW_SECONDS', 60, 1, 86400),
    eventsPollMs: integer(env, 'COUCHFN_EVENTS_POLL_MS', 500, 20, 10000),
    websocketPort: integer(env, 'COUCHFN_WEBSOCKET_PORT', 0, 0, 65535),
    websocketMaxBufferBytes: integer(env, 'COUCHFN_WEBSOCKET_MAX_BUFFER_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    trustProxy: !env.COUCHFN_TRUST_PROXY ? false : env.COUCHFN_TRUST_PROXY === 'true' ? true : env.COUCHFN_TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean),
    ...gatewaySettings(env)
  };
  if (config.attemptsPerFunction < config.disableAfterFailures) {
    throw new ConfigError('COUCHFN_ATTEMPTS_PER_FUNCTION must be at least COUCHFN_DISABLE_AFTER_FAILURES, or failures would be forgotten before they are counted');
  }
  return config;
}

/** TLS, the LivePerson gateway, the envelope's token echo and CORS. */
function gatewaySettings(env: NodeJS.ProcessEnv): Pick<Config, 'tls' | 'lpGateway' | 'lpGatewayHost' | 'lpRequestWindowSeconds' | 'echoAuthToken' | 'corsOrigins'> {
  const certFile = env.COUCHFN_TLS_CERT_FILE || undefined;
  const keyFile = env.COUCHFN_TLS_KEY_FILE || undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new ConfigError('COUCHFN_TLS_CERT_FILE and COUCHFN_TLS_KEY_FILE go together: set both (PEM files) or neither');
  const host = env.COUCHFN_LP_GATEWAY_HOST || undefined;
  // the LivePerson client builds its URLs from a bare host name: a port in it breaks them
  if (host && !/^[A-Za-z0-9.-]+$/.test(host)) throw new ConfigError(`COUCHFN_LP_GATEWAY_HOST must be a host name without a port or scheme (the gateway is on 443), not "${host}"`);
  const origins = (env.COUCHFN_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) throw new ConfigError(`COUCHFN_CORS_ORIGINS holds origins such as https://app.example.com (no path), or *, not "${origin}"`);
  }
  return {
    tls: certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : undefined,
    lpGateway: env.COUCHFN_LP_GATEWAY === undefined || env.COUCHFN_LP_GATEWAY === '' ? true : flag(env, 'COUCHFN_LP_GATEWAY'),
    lpGatewayHost: host,
    lpRequestWindowSeconds: integer(env, 'COUCHFN_LP_REQUEST_WINDOW_SECONDS', 600, 10, 86400),
    echoAuthToken: env.COUCHFN_ECHO_AUTH_TOKEN === undefined || env.COUCHFN_ECHO_AUTH_TOKEN === '' ? true : flag(env, 'COUCHFN_ECHO_AUTH_TOKEN'),
    corsOrigins: origins
  };
}
