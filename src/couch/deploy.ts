// Pushes compiled design documents, creating their databases admin-only.
// Only what changed is written, so a second run changes nothing.
import nano, { type ServerScope } from 'nano';
import type { BuiltDesignDoc } from '../build/designdocs.js';

export type DeployStatus = 'created' | 'updated' | 'unchanged';
export interface DeployResult { database: string; id: string; status: DeployStatus }

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

export async function ensureDatabase(server: ServerScope, name: string): Promise<void> {
  try {
    await server.db.create(name);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 412) throw err;
  }
  const security = await server.request({ db: name, path: '_security' });
  if (canonical(security) !== canonical(ADMIN_ONLY)) {
    await server.request({ db: name, path: '_security', method: 'PUT', body: ADMIN_ONLY });
  }
}

async function pushDoc(server: ServerScope, { database, doc }: BuiltDesignDoc): Promise<DeployResult> {
  const db = server.use<Record<string, unknown>>(database);
  let current: (Record<string, unknown> & { _rev?: string }) | null = null;
  try {
    current = await db.get(doc._id);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  if (current && canonical(current) === canonical(doc)) return { database, id: doc._id, status: 'unchanged' };
  await db.insert({ ...doc, ...(current ? { _rev: current._rev } : {}) });
  return { database, id: doc._id, status: current ? 'updated' : 'created' };
}

export async function deployDesignDocs(couchUrl: string, docs: BuiltDesignDoc[]): Promise<DeployResult[]> {
  const server = nano(couchUrl);
  for (const database of new Set(docs.map((d) => d.database))) await ensureDatabase(server, database);
  const results: DeployResult[] = [];
  for (const doc of docs) results.push(await pushDoc(server, doc));
  return results;
}
