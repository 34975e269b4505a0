// What a CouchDB server is, from its root and config: the one place that
// knows the embedded server (express-pouchdb) answers differently.
import { sendJson } from './request.js';
import type { Connection } from './connection.js';

export interface ServerInfo {
  /** couchfn's embedded server (express-pouchdb with the sandboxed show engine) */
  embedded: boolean;
  couchdb: boolean;
  version: string;
  major: number;
  /** the configured JavaScript engine, when the server says */
  jsEngine?: string;
}

export async function describeServer(connection: Connection): Promise<ServerInfo> {
  const root = await sendJson<{ couchdb?: string; version?: string; 'express-pouchdb'?: string; vendor?: { name?: string } }>(connection, { path: '' });
  const embedded = Boolean(root['express-pouchdb']) || /pouchdb/i.test(root.vendor?.name ?? '');
  const version = root.version ?? '';
  const info: ServerInfo = { embedded, couchdb: Boolean(root.couchdb), version, major: Number(version.split('.')[0]) || 0 };
  if (!embedded) {
    const engine = await sendJson<unknown>(connection, { path: '_node/_local/_config/couchdb/js_engine' }).catch(() => undefined);
    if (typeof engine === 'string' && engine) info.jsEngine = engine;
  }
  return info;
}

/** Does the server answer at all, within timeoutMs? */
export async function answers(connection: Connection, timeoutMs = 1000): Promise<boolean> {
  try {
    await sendJson(connection, { path: '', timeoutMs });
    return true;
  } catch {
    return false;
  }
}
