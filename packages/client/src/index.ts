// The couchfn client: invoke functions by id or by event, ask whether an
// event is implemented, manage functions. No dependencies beyond fetch.
//
//   const client = new Client({ baseUrl, accountId, auth: { clientId, clientSecret } });
//   const callflow = await client.invoke({ functionId, call: { To: '2000' } });
import { Credentials, type Auth } from './auth.js';
import { CouchfnError, errorOf, FunctionError } from './errors.js';

export { CouchfnError, FunctionError, type Auth };

export type Call = Record<string, unknown>;
export interface Callflow { module: string; data: Record<string, unknown>; children?: Record<string, Callflow> }
export interface EventResult { id: string; result?: Callflow; error?: { code: string; message: string }; duration_ms: number }
export interface FunctionFields { name: string; function_js: string; enabled?: boolean; language_pack?: string; events?: string[]; [key: string]: unknown }
export interface FunctionRecord extends FunctionFields { id: string; disable_reason?: string; revision?: string }
export interface FunctionSummary { id: string; name: string; enabled: boolean; disable_reason?: string; language_pack: string; events: string[] }

export interface Metric {
  operation: string;
  method: string;
  url: string;
  /** absent when no answer came */
  status?: number;
  durationMs: number;
  fromCache: boolean;
  requestId?: string;
  error?: CouchfnError;
}

export interface ClientOptions {
  baseUrl: string;
  accountId: string;
  auth: Auth;
  /** per request, including a function's run (functions stop at 30 s) */
  timeoutMs?: number;
  /** further tries, only where safe: reads, and requests that never left */
  retries?: number;
  /** how long isImplemented answers are remembered (true and false alike) */
  isImplementedTtlMs?: number;
  /** called after every operation, success or failure */
  onMetric?: (metric: Metric) => void;
  fetch?: typeof fetch;
  /** the clock tokens' expiry is judged by (milliseconds, like Date.now) */
  now?: () => number;
}

interface RequestOptions { body?: unknown; idempotent: boolean; invocation?: boolean; signal?: AbortSignal; timeoutMs?: number }

// Errors that mean the request never reached the server: any request may be sent again.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const RETRY_STATUS = new Set([502, 503, 504]);

function networkCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  return cause?.code ?? cause?.cause?.code;
}

function parsedJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Client {
  private readonly baseUrl: string;
  private readonly credentials: Credentials;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly implemented = new Map<string, { value: boolean; until: number }>();

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 35_000;
    this.retries = options.retries ?? 2;
    this.credentials = new Credentials(options.auth, this.baseUrl, this.fetchImpl, this.timeoutMs, options.now ?? Date.now);
  }

  private get account(): string {
    return `/v2/accounts/${encodeURIComponent(this.options.accountId)}`;
  }

  /** Runs one function (its callflow back) or every function bound to an event (one entry each). */
  invoke(options: { functionId: string; call?: Call; signal?: AbortSignal; timeoutMs?: number }): Promise<Callflow>;
  invoke(options: { event: string; call?: Call; signal?: AbortSignal; timeoutMs?: number }): Promise<EventResult[]>;
  async invoke(options: { functionId?: string; event?: string; call?: Call; signal?: AbortSignal; timeoutMs?: number }): Promise<Callflow | EventResult[]> {
    const path = options.functionId !== undefined
      ? `${this.account}/functions/${encodeURIComponent(options.functionId)}/invoke`
      : `${this.account}/events/${encodeURIComponent(options.event ?? '')}/invoke`;
    // an invocation runs customer code: never sent twice once it may have arrived
    return this.send('invoke', 'POST', path, { body: { data: options.call ?? {} }, idempotent: false, invocation: true, signal: options.signal, timeoutMs: options.timeoutMs });
  }

  /** Whether any enabled function listens to the event; remembered for isImplementedTtlMs. */
  async isImplemented(options: { event: string; signal?: AbortSignal }): Promise<boolean> {
    const cached = this.implemented.get(options.event);
    if (cached && cached.until > Date.now()) {
      this.options.onMetric?.({ operation: 'isImplemented', method: 'GET', url: `${this.baseUrl}${this.account}/events/${options.event}/is_implemented`, durationMs: 0, fromCache: true });
      return cached.value;
    }
    const answer = await this.send<{ implemented: boolean }>('isImplemented', 'GET', `${this.account}/events/${encodeURIComponent(options.event)}/is_implemented`, { idempotent: true, signal: options.signal });
    this.implemented.set(options.event, { value: answer.implemented, until: Date.now() + (this.options.isImplementedTtlMs ?? 60_000) });
    return answer.implemented;
  }

  /** Every function of the account (all pages), with Kazoo's filters (filter_name, has_key...). */
  async listFunctions(filters: Record<string, string | number | boolean> = {}): Promise<FunctionSummary[]> {
    const all: FunctionSummary[] = [];
    let startKey: string | undefined;
    do {
      const query = new URLSearchParams(Object.entries({ ...filters, page_size: 1000, ...(startKey ? { start_key: startKey } : {}) }).map(([k, v]): [string, string] => [k, String(v)]));
      const page = await this.send<FunctionSummary[]>('listFunctions', 'GET', `${this.account}/functions?${query}`, { idempotent: true }, true);
      all.push(...page.data);
      startKey = page.next_start_key;
    } while (startKey);
    return all;
  }

  createFunction(fields: FunctionFields): Promise<FunctionRecord> {
    return this.record('createFunction', 'PUT', `${this.account}/functions`, { data: fields }, false);
  }

  getFunction(id: string): Promise<FunctionRecord> {
    return this.record('getFunction', 'GET', `${this.account}/functions/${encodeURIComponent(id)}`, undefined, true);
  }

  /** Changes the given fields (null removes one); with `revision`, refused (409) if it changed meanwhile. */
  updateFunction(id: string, changes: Partial<FunctionFields>, options: { revision?: string } = {}): Promise<FunctionRecord> {
    return this.record('updateFunction', 'PATCH', `${this.account}/functions/${encodeURIComponent(id)}`, { data: changes, ...options }, false);
  }

  deleteFunction(id: string): Promise<FunctionRecord> {
    return this.record('deleteFunction', 'DELETE', `${this.account}/functions/${encodeURIComponent(id)}`, undefined, false);
  }

  private async record(operation: string, method: string, path: string, body: unknown, idempotent: boolean): Promise<FunctionRecord> {
    const envelope = await this.send<FunctionRecord>(operation, method, path, { body, idempotent }, true);
    return { ...envelope.data, ...(envelope.revision ? { revision: envelope.revision } : {}) };
  }

  private send<T>(operation: string, method: string, path: string, options: RequestOptions): Promise<T>;
  private send<T>(operation: string, method: string, path: string, options: RequestOptions, whole: true): Promise<{ data: T; revision?: string; next_start_key?: string }>;
  private async send(operation: string, method: string, path: string, options: RequestOptions, whole = false): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    const started = performance.now();
    const metric = (status?: number, requestId?: string, error?: CouchfnError) =>
      this.options.onMetric?.({ operation, method, url, status, durationMs: performance.now() - started, fromCache: false, requestId, error });
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        const authorization = await this.credentials.header({ url, method });
        const signals = [AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs), ...(options.signal ? [options.signal] : [])];
        res = await this.fetchImpl(url, {
          method, signal: AbortSignal.any(signals),
          headers: { authorization, accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: options.body === undefined ? undefined : JSON.stringify(options.body)
        });
      } catch (err) {
        if (err instanceof CouchfnError) { metric(err.status, err.requestId, err); throw err; }
        const code = options.signal?.aborted ? 'aborted' : (err as Error).name === 'TimeoutError' ? 'timeout' : networkCode(err) ?? 'network';
        if (attempt < this.retries && (NOT_SENT.has(code) || (options.idempotent && code !== 'aborted'))) {
          await pause(100 * 2 ** attempt);
          continue;
        }
        const error = new CouchfnError(`${operation} failed: ${code}`, undefined, code);
        metric(undefined, undefined, error);
        throw error;
      }
      const text = await res.text().catch(() => undefined);
      const body = parsedJson(text);
      const requestId = (body as { request_id?: string } | undefined)?.request_id;
      if (res.status === 401 && this.credentials.refreshable && !refreshed) {
        // refused before anything ran: a fresh token may go again
        this.credentials.invalidate();
        refreshed = true;
        attempt--;
        continue;
      }
      if (!res.ok) {
        if (options.idempotent && RETRY_STATUS.has(res.status) && attempt < this.retries) {
          await pause(100 * 2 ** attempt);
          continue;
        }
        const error = errorOf(res.status, body, options.invocation === true);
        metric(res.status, requestId, error);
        throw error;
      }
      if (body === undefined || typeof body !== 'object' || body === null) {
        // e.g. a proxy's HTML page with a 200: a typed error, not a TypeError further on
        const error = new CouchfnError(`${operation} failed: the answer (${res.status}, ${res.headers.get('content-type') ?? 'no content type'}) is not couchfn's JSON`, res.status, 'invalid_response', requestId);
        metric(res.status, requestId, error);
        throw error;
      }
      metric(res.status, requestId);
      const envelope = body as { data: unknown };
      return whole ? envelope : envelope.data;
    }
  }
}
