// express-pouchdb evaluates design-document code (views, validate_doc_update,
// filters, lists, updates, rewrites) with plain eval inside this Node
// process. So the embedded server stores only the code couchfn's own build
// produced, whoever writes it (admins included, and replication too). Shows
// are free: they never run here, only in the sandboxed engine.
import type { BuiltDesignDoc } from '../build/designdocs.js';

type Doc = Record<string, any>;

/** Every function source of the built design docs, and CouchDB's built-in reduces. */
export function trustedCode(built: BuiltDesignDoc[]): Set<string> {
  const trusted = new Set(['_count', '_sum', '_stats', '_approx_count_distinct']);
  for (const { doc } of built) for (const [, source] of nodeEvaluated(doc)) trusted.add(source);
  return trusted;
}

/** [where, source] of each piece of code express-pouchdb would evaluate.
 * A value that is not a string counts too: PouchDB turns it into source
 * (toString, concatenation) before evaluating it. */
function nodeEvaluated(doc: Doc, query = false): [string, string][] {
  const found: [string, string][] = [];
  const add = (where: string, value: unknown) => {
    if (value !== undefined && value !== null) found.push([where, typeof value === 'string' ? value : `(not a string) ${JSON.stringify(value)}`]);
  };
  for (const [name, view] of Object.entries(doc.views ?? {})) {
    // a Mango index (language "query") describes its fields as an object: no code
    const map = (view as Doc)?.map;
    if (!(query && map && typeof map === 'object' && !Array.isArray(map))) add(`views.${name}.map`, map);
    add(`views.${name}.reduce`, (view as Doc)?.reduce);
  }
  for (const kind of ['filters', 'lists', 'updates']) {
    for (const [name, source] of Object.entries(doc[kind] ?? {})) add(`${kind}.${name}`, source);
  }
  add('validate_doc_update', doc.validate_doc_update);
  add('rewrites', doc.rewrites);
  return found;
}

/** Why the doc may not be stored here, or null. */
export function foreignCode(doc: unknown, trusted: Set<string>): string | null {
  const d = doc as Doc | null;
  if (!d || typeof d._id !== 'string' || !d._id.startsWith('_design/') || d._deleted) return null;
  if (d.language !== undefined && d.language !== 'javascript' && d.language !== 'query') {
    return `${d._id}: language ${String(d.language)} is not run by the embedded CouchDB`;
  }
  // express-pouchdb does not look at `language`: a "query" doc's code would run all the same
  const foreign = nodeEvaluated(d, d.language === 'query').find(([, source]) => !trusted.has(source));
  return foreign
    ? `${d._id}: ${foreign[0]} is not couchfn's own code; the embedded CouchDB runs design-document code in its own process, so it stores only what npm run build produced (use a real CouchDB for other design documents)`
    : null;
}

interface Writable { bulkDocs(req: unknown, opts?: unknown, callback?: unknown): unknown }

/** Makes every write of db (put, post, bulk, replication: all end in bulkDocs) refuse foreign code. */
export function guardWrites(db: Writable, trusted: Set<string>): void {
  const bulkDocs = db.bulkDocs.bind(db);
  db.bulkDocs = (req: unknown, opts?: unknown, callback?: unknown) => {
    const docs = Array.isArray(req) ? req : (req as { docs?: unknown[] } | null)?.docs;
    const reason = (docs ?? []).map((doc) => foreignCode(doc, trusted)).find((r) => r !== null);
    if (!reason) return bulkDocs(req, opts, callback);
    const err = Object.assign(new Error(reason), { status: 403, name: 'forbidden', error: true, reason });
    const done = typeof opts === 'function' ? opts : callback;
    if (typeof done === 'function') return void done(err);
    return Promise.reject(err);
  };
}
