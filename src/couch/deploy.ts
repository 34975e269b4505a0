// Pushes compiled design documents, creating their databases admin-only.
// Only what changed is written, so a second run changes nothing.
import { randomBytes } from 'node:crypto';
import type { BuiltDesignDoc } from '../build/designdocs.js';
import { openConnection, type Connection } from './connection.js';
import { CouchDatabase, type Shards } from './database.js';
import { CouchError, send } from './request.js';

export type DeployStatus = 'created' | 'updated' | 'unchanged';
export interface DeployResult { database: string; id: string; status: DeployStatus }

type Doc = { _id: string; _rev?: string; [key: string]: unknown };

// Only server admins may read or write; an empty _security would leave the
// database open on some servers.
const ADMIN_ONLY = { admins: { names: [], roles: ['_admin'] }, members: { names: [], roles: ['_admin'] } };

// Key order does not matter to CouchDB, so it must not matter here.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([k]) => k !== '_rev').sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface DeployOptions {
  /** before every database name (COUCHFN_DB_PREFIX) */
  prefix?: string;
  /** shard settings for databases created now (a cluster's q and n; CouchDB's defaults when unset) */
  shards?: Shards;
  /** check that the show runs a function after the push: always (default), never, or only when the push changed something */
  probe?: boolean | 'if-changed';
}

// A cluster answers 409 or times out while nodes catch up: try again, a few times.
async function retried<T>(what: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const passing = err instanceof CouchError && (err.status === 409 || err.status === 0 || err.status >= 500);
      if (!passing || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** Creates the database if it is missing and keeps it admin-only. */
export async function ensureDatabase(connection: Connection, name: string, shards: Shards = {}): Promise<void> {
  const db = new CouchDatabase<Doc>(() => connection, name);
  await retried(`create ${name}`, () => db.create(shards));
  if (canonical(await db.security()) !== canonical(ADMIN_ONLY)) await retried(`secure ${name}`, () => db.setSecurity(ADMIN_ONLY));
}

async function pushDoc(connection: Connection, { database, doc }: BuiltDesignDoc): Promise<DeployResult> {
  const db = new CouchDatabase<Doc>(() => connection, database);
  // a 409 means another deploy (or node) wrote it meanwhile: read it again
  return retried(`push ${doc._id}`, async () => {
    const current = await db.get(doc._id);
    if (current && canonical(current) === canonical(doc)) return { database, id: doc._id, status: 'unchanged' as const };
    await db.put({ ...doc, ...(current ? { _rev: current._rev } : {}) });
    return { database, id: doc._id, status: current ? 'updated' as const : 'created' as const };
  });
}

/** A throwaway function through the show just deployed: the server really runs functions. */
async function probeShow(connection: Connection, functionsDb: string): Promise<void> {
  const db = new CouchDatabase<Doc>(() => connection, functionsDb);
  const id = `couchfn-deploy-probe-${randomBytes(8).toString('hex')}`;
  const rev = await db.put({ _id: id, pvt_type: 'function', pvt_account_id: 'couchfn-deploy-probe', name: 'probe', function_js: "return {module: 'tts', data: {text: 'ok ' + call.n}};" });
  try {
    const { status, text } = await send(connection, { path: `${encodeURIComponent(functionsDb)}/_design/functions/_show/wh/${id}`, query: 'n=1' });
    if (status !== 200 || !text.includes('ok 1')) {
      throw new Error(`the design documents are in place, but the show does not run functions (${status} ${text.slice(0, 200).trim()}); `
        + 'every node needs js_engine = quickjs, or couchjs started with --eval (see local.ini.example)');
    }
  } finally {
    await db.remove(id, rev).catch(() => undefined);
  }
}

export async function deployDesignDocs(couchUrl: string, built: BuiltDesignDoc[], options: DeployOptions = {}): Promise<DeployResult[]> {
  const connection = openConnection('deploy', couchUrl, 30_000);
  const prefix = options.prefix ?? '';
  const docs = built.map((d) => ({ ...d, database: `${prefix}${d.database}` }));
  try {
    for (const database of new Set(docs.map((d) => d.database))) await ensureDatabase(connection, database, options.shards);
    const results: DeployResult[] = [];
    for (const doc of docs) results.push(await pushDoc(connection, doc));
    const changed = results.some((r) => r.status !== 'unchanged');
    const probe = options.probe === 'if-changed' ? changed : options.probe !== false;
    if (probe && docs.some((d) => d.database === `${prefix}functions`)) await probeShow(connection, `${prefix}functions`);
    return results;
  } finally {
    await connection.close();
  }
}
