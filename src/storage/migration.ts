// Moving the `functions` database to another CouchDB is a migration, not a
// pointer flip: check the target, deploy the design docs there, run a
// throwaway function through its show, copy every function with its
// revision history (the proxy drives the copy, so any two of the embedded
// server, a CouchDB and a cluster work, both ways), and verify every id and
// rev arrived. Any failure names its step and changes nothing; the old copy
// is always left in place.
import { randomBytes } from 'node:crypto';
import type { BuiltDesignDoc } from '../build/designdocs.js';
import type { Connection } from '../couch/connection.js';
import { CouchDatabase } from '../couch/database.js';
import { deployDesignDocs } from '../couch/deploy.js';
import { describeCouchError } from '../couch/errors.js';
import { describeServer } from '../couch/server.js';
import { send, sendJson } from '../couch/request.js';
import { DomainError } from '../errors.js';

export type MigrationStep = 'check' | 'deploy' | 'probe' | 'replicate' | 'verify' | 'switch' | 'catch-up';

export const EVAL_FIX = 'run CouchDB 3.4+ with [couchdb] js_engine = quickjs, or start couchjs with --eval: '
  + 'COUCHDB_QUERY_SERVER_JAVASCRIPT="/opt/couchdb/bin/couchjs --eval /opt/couchdb/share/server/main.js"';

export class MigrationError extends DomainError {
  constructor(readonly step: MigrationStep, cause: string) {
    super('storage migration failed', { step, cause });
  }
}

type Doc = { _id: string; _rev?: string; [key: string]: unknown };

/** A move that must pause: its process is closing, or another process took it over. Not a failure. */
export class MoveInterrupted extends Error {
  constructor(readonly why: 'closing' | 'taken over') {
    super(`storage move interrupted: ${why}`);
  }
}

const VERIFY_BATCH = 1000;

/** Runs one step; any failure becomes a MigrationError naming it. */
export async function migrationStep<T>(name: MigrationStep, target: Connection, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof MigrationError || err instanceof MoveInterrupted) throw err;
    throw new MigrationError(name, describeCouchError(err, target.url));
  }
}

/** Reachable, credentials accepted, an admin, a CouchDB that can run the design doc. */
async function check(target: Connection): Promise<void> {
  const server = await describeServer(target);
  if (!server.embedded && !(server.couchdb && server.major >= 2)) {
    throw new MigrationError('check', `the target is not CouchDB 2.0 or newer (it says version ${server.version || 'unknown'})`);
  }
  const session = await sendJson<{ userCtx?: { roles?: string[] } }>(target, { path: '_session' });
  if (!session.userCtx?.roles?.includes('_admin')) throw new MigrationError('check', 'the credentials are not a server admin\'s');
}

// A probe is not a function: a copy that caught one alive at one end while
// the other end had already deleted it would fail the verify step.
const PROBE_PREFIX = 'couchfn-probe-';

/** Design documents are deployed to each side, probes are throwaways: neither is copied or verified. */
const isFunctionData = (id: string) => !id.startsWith('_design/') && !id.startsWith(PROBE_PREFIX);

/** A throwaway function through the target's show: can it run user code? */
async function probe(target: Connection, database: string): Promise<void> {
  const db = new CouchDatabase<Doc>(() => target, database);
  const id = `${PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
  const rev = await db.put({ _id: id, pvt_type: 'function', pvt_account_id: 'couchfn-probe', name: 'probe', function_js: "return {module: 'tts', data: {text: 'probe ' + call.n}};" });
  try {
    const { status, text } = await send(target, { path: `${encodeURIComponent(database)}/_design/functions/_show/wh/${id}`, query: 'n=7' });
    let body: { error?: string; reason?: string; data?: { text?: string } } = {};
    try { body = JSON.parse(text); } catch { /* judged below */ }
    if (body.error === 'eval_blocked') throw new MigrationError('probe', `the target blocks new Function, so it cannot run functions: ${EVAL_FIX}`);
    if (body.data?.text !== 'probe 7') {
      throw new MigrationError('probe', `the target's show did not run a test function (${status} ${body.error ?? ''} ${body.reason ?? ''})`.trim());
    }
  } finally {
    await db.remove(id, rev).catch(() => undefined);
  }
}

const COPY_BATCH = 500;

interface BulkGet { results: { id: string; docs: { ok?: Doc; error?: unknown }[] }[] }
type RevsDiff = Record<string, { missing?: string[] }>;

export interface CopyProgress { sent: number; since: unknown }

/** Copies every document of the database with its revision history (and
 * deletions) from source to target, driven by the proxy with plain CouchDB
 * requests to both sides: CouchDB's own replicator cannot pull from the
 * embedded server. Only revisions the target lacks travel (_revs_diff), and
 * the target keeps what it has (new_edits: false), so running it again, or
 * from an older checkpoint, only catches up. `progress` is told after each
 * batch with the source sequence to resume from. Returns the last progress. */
export async function replicate(source: Connection, target: Connection, database: string,
  since: unknown = 0, progress: (p: CopyProgress) => Promise<void> = async () => undefined): Promise<CopyProgress> {
  const from = new CouchDatabase<Doc>(() => source, database);
  const to = new CouchDatabase<Doc>(() => target, database);
  const path = encodeURIComponent(database);
  let sent = 0;
  for (;;) {
    const feed = await from.changes({ since, limit: COPY_BATCH, style: 'all_docs' });
    const offered: Record<string, string[]> = {};
    for (const c of feed.results) if (isFunctionData(c.id)) offered[c.id] = c.changes.map(({ rev }) => rev);
    const missing = Object.keys(offered).length === 0 ? {}
      : await sendJson<RevsDiff>(target, { method: 'POST', path: `${path}/_revs_diff`, body: offered });
    const wanted = Object.entries(missing).flatMap(([id, { missing: revs = [] }]) => revs.map((rev) => ({ id, rev })));
    if (wanted.length > 0) {
      const got = await sendJson<BulkGet>(source, { method: 'POST', path: `${path}/_bulk_get`, query: { revs: true }, body: { docs: wanted } });
      const docs = got.results.flatMap((r) => r.docs).map((d) => d.ok).filter((d): d is Doc => Boolean(d));
      const refused = (await to.bulk(docs, false)).filter((r) => r.error);
      if (refused.length > 0) throw new MigrationError('replicate', `the target refused ${refused.length} documents, e.g. ${refused[0].id}: ${refused[0].error} ${refused[0].reason ?? ''}`.trim());
      sent += docs.length;
    }
    since = feed.last_seq;
    await progress({ sent, since });
    if (feed.results.length < COPY_BATCH) return { sent, since };
  }
}

/** Every function id of the source is on the target with the same revision. */
async function verify(source: Connection, target: Connection, database: string): Promise<number> {
  const from = new CouchDatabase<Doc>(() => source, database);
  const to = new CouchDatabase<Doc>(() => target, database);
  let checked = 0;
  let startkey: string | undefined;
  for (;;) {
    const page = await from.allDocs({ limit: VERIFY_BATCH + 1, ...(startkey ? { startkey } : {}) });
    const rows = page.rows.slice(0, VERIFY_BATCH).filter((r) => isFunctionData(r.id));
    if (rows.length > 0) {
      const there = await to.allDocs({ keys: rows.map((r) => r.id) });
      const revs = new Map(there.rows.map((r) => [r.key, r.value?.rev]));
      const missing = rows.filter((r) => revs.get(r.id) !== r.value.rev);
      if (missing.length > 0) {
        throw new MigrationError('verify', `${missing.length} functions did not arrive with their revision, e.g. ${missing.slice(0, 3).map((r) => r.id).join(', ')}`);
      }
      checked += rows.length;
    }
    if (page.rows.length <= VERIFY_BATCH) return checked;
    startkey = page.rows[VERIFY_BATCH].id;
  }
}

/** Can the target hold and run the functions? Quick, so a plan is judged before the move is accepted. */
export async function prepareTarget(target: Connection, designDocs: BuiltDesignDoc[], prefix: string): Promise<void> {
  await migrationStep('check', target, () => check(target));
  await migrationStep('deploy', target, () => deployDesignDocs(target.url, designDocs.filter((d) => d.database === 'functions'), { probe: false, prefix }));
  await migrationStep('probe', target, () => probe(target, `${prefix}functions`));
}

/** Every function id of the source is on the target with the same revision; how many. */
export function verifyCopy(source: Connection, target: Connection, database: string): Promise<number> {
  return migrationStep('verify', target, () => verify(source, target, database));
}
