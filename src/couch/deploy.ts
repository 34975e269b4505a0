// Pushes compiled design documents, creating their databases admin-only.
// Only what changed is written, so a second run changes nothing.
import type { BuiltDesignDoc } from '../build/designdocs.js';
import { openConnection, type Connection } from './connection.js';
import { CouchDatabase } from './database.js';

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

/** Creates the database if it is missing and keeps it admin-only. */
export async function ensureDatabase(connection: Connection, name: string): Promise<void> {
  const db = new CouchDatabase<Doc>(() => connection, name);
  await db.create();
  if (canonical(await db.security()) !== canonical(ADMIN_ONLY)) await db.setSecurity(ADMIN_ONLY);
}

async function pushDoc(connection: Connection, { database, doc }: BuiltDesignDoc): Promise<DeployResult> {
  const db = new CouchDatabase<Doc>(() => connection, database);
  const current = await db.get(doc._id);
  if (current && canonical(current) === canonical(doc)) return { database, id: doc._id, status: 'unchanged' };
  await db.put({ ...doc, ...(current ? { _rev: current._rev } : {}) });
  return { database, id: doc._id, status: current ? 'updated' : 'created' };
}

export async function deployDesignDocs(couchUrl: string, docs: BuiltDesignDoc[]): Promise<DeployResult[]> {
  const connection = openConnection('deploy', couchUrl, 30_000);
  try {
    for (const database of new Set(docs.map((d) => d.database))) await ensureDatabase(connection, database);
    const results: DeployResult[] = [];
    for (const doc of docs) results.push(await pushDoc(connection, doc));
    return results;
  } finally {
    await connection.close();
  }
}
