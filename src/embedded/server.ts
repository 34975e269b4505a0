// The embedded CouchDB: express-pouchdb for storage, views, validation and
// replication, with _show answered by the sandboxed engine, on-disk data,
// generated admin credentials, bound to loopback by default.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import express, { type Request } from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb';
import { readDesignDocs, type BuiltDesignDoc } from '../build/designdocs.js';
import { compiledDesignDocs } from '../paths.js';
import { guardWrites, trustedCode } from './design-guard.js';
import { ShowEngine, type ShowEngineOptions } from './show-engine.js';
import { matchShow, serveShow, type DocStore } from './show-route.js';

export interface EmbeddedCouchOptions {
  dataDir: string;
  host?: string;
  /** 0 picks a free port */
  port?: number;
  show?: ShowEngineOptions;
  /** design documents whose code may be stored (default: couchfn's build) */
  designDocs?: BuiltDesignDoc[];
}
export interface Credentials { username: string; password: string }
export interface EmbeddedCouch {
  /** with credentials, for clients */
  url: string;
  origin: string;
  credentials: Credentials;
  close(): Promise<void>;
}

// Kept like CouchDB's local.ini: the proxy and `npm run deploy` need them.
function adminCredentials(dataDir: string): Credentials {
  const file = join(dataDir, 'admin.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const credentials = { username: 'admin', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ admins: { [credentials.username]: credentials.password } }), { mode: 0o600 });
  return credentials;
}

function isAdmin(req: Request, credentials: Credentials): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(Buffer.from(header.slice(6), 'base64').toString('utf8'));
  const expected = Buffer.from(`${credentials.username}:${credentials.password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function pouchStore(Pouch: typeof PouchDB): DocStore & { forget(db: string): void } {
  const handles = new Map<string, InstanceType<typeof PouchDB>>();
  const known = new Set<string>();
  return {
    async exists(db) {
      if (!known.has(db) && (await Pouch.allDbs!()).includes(db)) known.add(db);
      return known.has(db);
    },
    async get(db, id) {
      let handle = handles.get(db);
      if (!handle) handles.set(db, (handle = new Pouch(db)));
      try {
        return await handle.get(id);
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw err;
      }
    },
    forget(db) {
      known.delete(db);
      handles.delete(db);
    }
  };
}

const UNAUTHORIZED = { error: 'unauthorized', reason: 'You are not a server admin.' };
const SHOW_METHODS = { error: 'method_not_allowed', reason: 'Only GET,POST allowed' };
// express-pouchdb would run these in this process: they are left out, and the
// sandbox answers _show instead.
const USER_CODE_ROUTES = ['routes/fauxton', 'routes/show', 'routes/list', 'routes/update', 'routes/rewrite', 'routes/temp-views'];
const USER_CODE_PATH = /^\/[^/]+\/(?:_design\/[^/]+\/(_list|_update|_rewrite)(?:\/|$)|(_temp_view)\/?$)/;
const DB_PATH = /^\/[^/_][^/]*\/?$/;

// One server per data folder: LevelDB allows a single process, and would
// otherwise fail later with a lock error and a stack trace.
function lockDataDir(dataDir: string): () => void {
  const lock = join(dataDir, 'couchfn.pid');
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch {
      const pid = Number(readFileSync(lock, 'utf8'));
      let alive = false;
      try { alive = pid > 0 && pid !== process.pid && process.kill(pid, 0); } catch { alive = false; }
      if (alive) throw new Error(`another couchfn (process ${pid}) already uses the data folder ${dataDir}; stop it, or set COUCHFN_DATA_DIR to another folder`);
      rmSync(lock, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`cannot lock the data folder ${dataDir}`);
}

export async function startEmbeddedCouch(options: EmbeddedCouchOptions): Promise<EmbeddedCouch> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    return await startOn(dataDir, options, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function startOn(dataDir: string, options: EmbeddedCouchOptions, unlock: () => void): Promise<EmbeddedCouch> {
  const credentials = adminCredentials(dataDir);
  // express-pouchdb listens for every database's created/destroyed events on
  // PouchDB itself: several embedded servers in one process (tests) pass the
  // default limit of 10 without leaking anything
  (PouchDB as unknown as { setMaxListeners(n: number): void }).setMaxListeners(0);
  const Pouch = PouchDB.defaults({ prefix: `${dataDir}/` });
  const couch = expressPouchDB(Pouch, {
    configPath: join(dataDir, 'config.json'), logPath: join(dataDir, 'couch.log'),
    overrideMode: { exclude: USER_CODE_ROUTES }
  });
  const trusted = trustedCode(options.designDocs ?? readDesignDocs(compiledDesignDocs));
  couch.dbWrapper.registerWrapper((_name, db, next) => {
    guardWrites(db, trusted);
    next();
  });
  const engine = new ShowEngine(options.show);
  const store = pouchStore(Pouch);
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const admin = isAdmin(req, credentials);
    // express-pouchdb crashes on a non-admin PUT /db once admins exist
    if (req.method === 'PUT' && DB_PATH.test(req.path) && !admin) return res.status(401).json(UNAUTHORIZED);
    if (req.method === 'DELETE' && DB_PATH.test(req.path)) store.forget(decodeURIComponent(req.path.split('/')[1]));
    const refused = USER_CODE_PATH.exec(req.path);
    if (refused) {
      return res.status(501).json({ error: 'not_implemented', reason: `the embedded CouchDB does not run ${refused[1] ?? refused[2]} functions; use a real CouchDB for them` });
    }
    const target = matchShow(req.originalUrl);
    if (!target) return next();
    // our databases are admin-only, so shows are too
    if (!admin) return res.status(401).json(UNAUTHORIZED);
    if (req.method !== 'GET' && req.method !== 'POST') return res.status(405).set('Allow', 'GET, POST').json(SHOW_METHODS);
    serveShow(req, res, target, store, engine, credentials.username).catch(next);
  });
  app.use(couch);
  const server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await new Promise<void>((done, fail) => server.once('listening', done).once('error', fail));
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await waitForAllDbs(Pouch);
  return {
    url: `http://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@${origin.slice(7)}`,
    origin,
    credentials,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await engine.close();
      unlock();
    }
  };
}

// express-pouchdb installs PouchDB.allDbs from a daemon that starts async.
async function waitForAllDbs(Pouch: typeof PouchDB): Promise<void> {
  for (let i = 0; i < 100 && typeof Pouch.allDbs !== 'function'; i++) await new Promise((r) => setTimeout(r, 20));
  if (typeof Pouch.allDbs !== 'function') throw new Error('embedded CouchDB did not start: PouchDB.allDbs missing');
}
