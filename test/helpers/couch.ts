// The CouchDB integration tests run against, chosen as design.md says:
// COUCHDB_URL if set; else a CouchDB 3.4 container (QuickJS, so new Function
// works) when a Docker engine answers; else the embedded server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nano from 'nano';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { deployDesignDocs } from '../../src/couch/deploy.js';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/embedded/server.js';
import type { ShowEngineOptions } from '../../src/embedded/show-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';

export interface TestCouch {
  kind: 'external' | 'container' | 'embedded';
  /** with admin credentials */
  url: string;
  stop(): Promise<void>;
}

const QUICKJS_INI = '[couchdb]\njs_engine = quickjs\nsingle_node = true\n';

async function container(): Promise<TestCouch> {
  const { CouchDBContainer } = await import('@testcontainers/couchdb');
  const started = await new CouchDBContainer('couchdb:3.4')
    .withCopyContentToContainer([{ content: QUICKJS_INI, target: '/opt/couchdb/etc/local.d/zz-couchfn.ini' }])
    .start();
  return { kind: 'container', url: started.getUrl(), stop: async () => { await started.stop(); } };
}

export async function embedded(show?: ShowEngineOptions): Promise<TestCouch & { server: EmbeddedCouch }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'couchfn-test-'));
  const server = await startEmbeddedCouch({ dataDir, port: 0, show });
  return {
    kind: 'embedded', url: server.url, server,
    stop: async () => { await server.close(); rmSync(dataDir, { recursive: true, force: true }); }
  };
}

export async function startTestCouch(): Promise<TestCouch> {
  if (process.env.COUCHDB_URL) return { kind: 'external', url: process.env.COUCHDB_URL, stop: async () => {} };
  try {
    return await container();
  } catch {
    return embedded(); // no Docker engine here
  }
}

/** A started CouchDB with the design documents deployed. */
export async function deployedCouch(): Promise<TestCouch> {
  const couch = await startTestCouch();
  await deployDesignDocs(couch.url, readDesignDocs(compiledDesignDocs));
  return couch;
}

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

export function functionsDb(couch: TestCouch) {
  return nano(couch.url).use<Record<string, unknown>>('functions');
}

/** Stores a function doc as the API would, for tests below the API. */
export async function storeFunction(couch: TestCouch, account: string, fields: Record<string, unknown>): Promise<string> {
  const id = unique('fn');
  await functionsDb(couch).insert({ _id: id, pvt_type: 'function', pvt_account_id: account, name: 'test', ...fields });
  return id;
}

export interface ShowAnswer { status: number; body: any; text: string }

/** GETs the wh show the way Kazoo's cf_function does. */
export async function callShow(couch: TestCouch, id: string, query = ''): Promise<ShowAnswer> {
  const u = new URL(couch.url);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  const res = await fetch(`${u.origin}/functions/_design/functions/_show/wh/${encodeURIComponent(id)}${query ? `?${query}` : ''}`, {
    headers: { authorization: auth, accept: 'application/json' }
  });
  const text = await res.text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, body, text };
}
