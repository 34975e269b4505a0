// The fast path (COUCHFN_ENGINE=sandbox): the proxy runs the `wh` show
// itself, in its own pool of QuickJS workers, on the function document it
// keeps cached per revision. No HTTP hop to CouchDB, no query server, and no
// context shared between accounts: each function revision has its own
// (`function` isolation) or each call does (`call`). The same show code, the
// same `req`, the same CouchDB response rules: the answers are the show's,
// and cf_function calling CouchDB directly keeps working on the same documents.
import { createHash, randomUUID } from 'node:crypto';
import { decodeCall } from '../../designdocs/functions/lib/call.js';
import type { BuiltDesignDoc } from '../build/designdocs.js';
import { fairnessKey, type ShowEngine as ShowPool } from '../embedded/show-engine.js';
import { showAnswer } from '../embedded/show-response.js';
import type { FunctionStore } from '../functions/store.js';
import type { FunctionEngine, RunLimits } from './engine.js';
import type { Outcome } from './outcome.js';
import { LOG_LIMITS_HEADER, logLimitsHeader } from './function-logs.js';
import { deadlineOutcome, showOutcome } from './show-engine.js';

export interface ShowCode { key: string; source: string }

/** The `wh` show as built, keyed by its content (a new build gets fresh contexts). */
export function whShow(designDocs: BuiltDesignDoc[]): ShowCode {
  const ddoc = designDocs.find((d) => d.database === 'functions' && d.doc._id === '_design/functions');
  const source = (ddoc?.doc as { shows?: Record<string, string> } | undefined)?.shows?.wh;
  if (typeof source !== 'string') throw new Error('the compiled design documents have no functions/wh show: run npm run build');
  return { key: `_design/functions/${createHash('sha256').update(source).digest('hex').slice(0, 16)}/wh`, source };
}

/** The fields of CouchDB's `req` that the wh show reads (shows/wh.ts). The
 * rest of what CouchDB builds (the parsed query, path, userCtx...) is never
 * read, and parsing it in QuickJS cost more than the function's own run;
 * test/invoke/show-req.test.ts fails if the show starts reading another.
 * `couchfn_call`, which CouchDB never sets, is the sandbox's own: the call,
 * decoded already, in place of `raw_path`. */
export const SHOW_REQ_FIELDS = ['headers', 'uuid', 'peer', 'raw_path', 'couchfn_call'];

/** What the sandbox sends of those: the values CouchDB would give them, and
 * the call decoded in Node by the show's own decoder (lib/call, the same
 * module): in QuickJS, decoding Kazoo's query cost as much as the rest of
 * the show. A call nested deeper than JSON.stringify goes in Node (some
 * thousands of levels) is left to the show to decode, as on CouchDB. */
function showReq(rawPath: string, headers: Record<string, string>): string {
  const req = { headers: { Accept: 'application/json', Host: 'couchdb', ...headers }, uuid: randomUUID().replace(/-/g, ''), peer: '127.0.0.1' };
  try {
    return JSON.stringify({ ...req, couchfn_call: decodeCall(rawPath) });
  } catch {
    return JSON.stringify({ ...req, raw_path: rawPath });
  }
}

/** The fields of a function document that the wh show reads. A worker keeps
 * each context's document between calls: only these, so that fields a
 * customer adds (any size, up to the body limit) cannot fill the memory its
 * runtime shares with other accounts' contexts; the same test guards them. */
export const SHOW_DOC_FIELDS = ['_id', '_rev', 'pvt_type', 'function_js', 'enabled', 'pvt_disable_reason', 'pvt_version'];

// A cached document is cut down and serialised once, not at every call.
const docJson = new WeakMap<object, string>();
function showDoc(doc: Record<string, unknown>): string {
  let text = docJson.get(doc);
  if (text === undefined) {
    docJson.set(doc, text = JSON.stringify(Object.fromEntries(SHOW_DOC_FIELDS.filter((name) => name in doc).map((name) => [name, doc[name]]))));
  }
  return text;
}

export class SandboxEngine implements FunctionEngine {
  constructor(private readonly functions: FunctionStore, private readonly pool: ShowPool, private readonly show: ShowCode, private readonly database: string) {}

  /** The show's answer, status, headers and body, as CouchDB would send it; `headers` are the request's own. */
  async answer(functionId: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Record<string, string> }> {
    const doc = await this.functions.current(functionId);
    const rawPath = `/${encodeURIComponent(this.database)}/_design/functions/_show/wh/${encodeURIComponent(functionId)}${query ? `?${query}` : ''}`;
    const owner = typeof doc?.pvt_account_id === 'string' ? doc.pvt_account_id : '';
    const outcome = await this.pool.run({
      key: this.show.key, source: this.show.source, doc: doc && showDoc(doc), req: showReq(rawPath, headers),
      // a reseller's global function: each account it runs for takes its own turn
      account: fairnessKey(doc, rawPath), context: `${owner}/${functionId}/${doc?._rev ?? ''}`
    });
    const answer = showAnswer(outcome, doc === null);
    return { status: answer.status, text: answer.body.toString(), headers: answer.headers };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  async run(functionId: string, query: string, limits: RunLimits): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => resolve('deadline'), limits.deadlineMs); });
    try {
      const asked = { [LOG_LIMITS_HEADER]: logLimitsHeader(limits.logLines, limits.logBytes) };
      const answered = await Promise.race([this.answer(functionId, query, asked), deadline]);
      if (answered === 'deadline') return deadlineOutcome(limits);
      if (Buffer.byteLength(answered.text) > limits.maxResultBytes) {
        return { kind: 'invalid_callflow', reason: `the callflow is larger than ${limits.maxResultBytes} bytes (COUCHFN_MAX_RESULT_BYTES)` };
      }
      // header names as an HTTP client would see them: lower case
      const headers = Object.fromEntries(Object.entries(answered.headers).map(([name, value]) => [name.toLowerCase(), value]));
      return showOutcome(answered.status, answered.text, headers, limits);
    } catch {
      // the document could not be read
      return { kind: 'unavailable', reason: 'the functions database cannot be reached' };
    } finally {
      clearTimeout(timer);
    }
  }
}
