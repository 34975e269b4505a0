// Answers /{db}/_design/{ddoc}/_show/{name}[/{docid}] from the sandboxed show
// engine instead of express-pouchdb's in-process eval, with CouchDB 3.x's
// response rules. This file and server.ts are the only places that know
// express-pouchdb differs from CouchDB.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { couchRequest, type ShowTarget } from './couch-request.js';
import type { ShowEngine } from './show-engine.js';
import type { ShowOutcome } from './show-protocol.js';

const SHOW_PATH = /^\/([^/_][^/]*)\/_design\/([^/]+)\/_show\/([^/]+)(?:\/(.+))?$/;
const RESPONSE_KEYS = new Set(['code', 'headers', 'json', 'body', 'base64', 'stop']);

export interface DocStore {
  exists(db: string): Promise<boolean>;
  /** the doc, or null when it is missing or deleted */
  get(db: string, id: string): Promise<Record<string, any> | null>;
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

export function matchShow(url: string): ShowTarget | null {
  const match = SHOW_PATH.exec(url.split('?')[0]);
  if (!match) return null;
  const [, db, ddoc, show, docId] = match.map((part) => (part === undefined ? part : decodeURIComponent(part)));
  return { db, ddoc, show, docId: docId ?? null };
}

// CouchDB's rules for what a show returns.
function respond(res: ServerResponse, outcome: ShowOutcome, docMissing: boolean): void {
  if (!outcome.ok) {
    if (outcome.failure === 'busy') return send(res, 429, { error: 'too_many_requests', reason: outcome.message });
    if (outcome.failure === 'closed') return send(res, 503, { error: 'service_unavailable', reason: outcome.message });
    if (outcome.failure === 'render_error' && docMissing) return send(res, 404, { error: 'not_found', reason: 'missing' });
    if (outcome.failure === 'render_error' || outcome.failure === 'compilation_error') {
      return send(res, 500, { error: outcome.failure, reason: `function raised error: ${outcome.message}` });
    }
    return send(res, 500, { error: 'os_process_error', reason: outcome.message });
  }
  const value = outcome.result === undefined ? undefined : JSON.parse(outcome.result);
  if (value === undefined || value === null) return send(res, 200, '', { 'Content-Type': 'text/html; charset=utf-8' });
  if (typeof value === 'string') {
    return send(res, 200, value, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': 'sandbox' });
  }
  const unknown = Object.keys(value).filter((key) => !RESPONSE_KEYS.has(key));
  if (typeof value !== 'object' || unknown.length > 0) {
    return send(res, 500, { error: 'render_error', reason: `invalid response keys: ${unknown.join(', ')}` });
  }
  const code = typeof value.code === 'number' ? value.code : 200;
  const headers: Record<string, string> = { ...value.headers };
  if (value.json !== undefined) return send(res, code, value.json, { 'Content-Type': 'application/json', ...headers });
  const body = value.base64 !== undefined ? Buffer.from(String(value.base64), 'base64') : String(value.body ?? '');
  send(res, code, body, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': 'sandbox', ...headers });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method !== 'POST') return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whose turn a call takes: the function's account; for a reseller's global
 * function, each account it runs for (the Account-ID couchfn sets) takes its
 * own, so one busy account cannot hold the function for every other. */
function fairnessKey(doc: Record<string, any> | null, url: string): string {
  if (typeof doc?.pvt_account_id !== 'string') return '';
  if (doc.global !== true) return doc.pvt_account_id;
  return `${doc.pvt_account_id}/${new URLSearchParams(url.split('?')[1] ?? '').get('Account-ID') ?? ''}`;
}

export async function serveShow(req: IncomingMessage, res: ServerResponse, target: ShowTarget,
  store: DocStore, engine: ShowEngine, user: string): Promise<void> {
  if (!(await store.exists(target.db))) return send(res, 404, { error: 'not_found', reason: 'Database does not exist.' });
  const ddoc = await store.get(target.db, `_design/${target.ddoc}`);
  if (!ddoc) return send(res, 404, { error: 'not_found', reason: 'missing' });
  const source = ddoc.shows?.[target.show];
  if (typeof source !== 'string') {
    return send(res, 404, { error: 'not_found', reason: `missing function shows.${target.show} on design doc _design/${target.ddoc}` });
  }
  const doc = target.docId === null ? null : await store.get(target.db, target.docId);
  const request = couchRequest(req, target, await readBody(req), user);
  const outcome = await engine.run({
    key: `${ddoc._id}/${ddoc._rev}/${target.show}`, source, doc: doc && JSON.stringify(doc), req: JSON.stringify(request),
    account: fairnessKey(doc, req.url ?? '')
  });
  respond(res, outcome, target.docId !== null && doc === null);
}
