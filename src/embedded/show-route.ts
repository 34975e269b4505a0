// Answers /{db}/_design/{ddoc}/_show/{name}[/{docid}] from the sandboxed show
// engine instead of express-pouchdb's in-process eval, with CouchDB 3.x's
// response rules. This file and server.ts are the only places that know
// express-pouchdb differs from CouchDB.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { couchRequest, type ShowTarget } from './couch-request.js';
import { fairnessKey, type ShowEngine } from './show-engine.js';
import { showAnswer } from './show-response.js';

const SHOW_PATH = /^\/([^/_][^/]*)\/_design\/([^/]+)\/_show\/([^/]+)(?:\/(.+))?$/;

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

function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method !== 'POST') return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
  const answer = showAnswer(outcome, target.docId !== null && doc === null);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
