// Published versions of a function, and which one runs. A version is an
// immutable document beside its function in the `functions` database, with an
// id no function can have (`version:{function id}:{version}`; function ids are
// 32 hex characters) and a pvt_type no listing view emits. The function
// document keeps the list of its versions and a copy of the chosen version's
// code and name (function_js, pvt_version), so the show, Kazoo's cf_function
// and every engine keep running `doc.function_js` with one read, as before.
import semver from 'semver';
import { CouchDatabase } from '../couch/database.js';
import { gregorianNow } from '../couch/docs.js';
import { CouchError } from '../couch/request.js';
import type { Routing } from '../couch/routing.js';
import { badIdentifier, conflict, fieldError } from '../errors.js';
import type { FunctionDoc } from './store.js';

export interface VersionDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'function_version';
  pvt_account_id: string;
  pvt_function_id: string;
  version: string;
  function_js: string;
  notes?: string;
  published_at: string;
  pvt_created: number;
  /** tells this request's write from a racing one of the same version */
  pvt_publish_id: string;
}

export interface VersionFields { version: string; function_js: string; notes?: string }

export const versionDocId = (functionId: string, version: string) => `version:${functionId}:${version}`;

/** Which version runs, Optimizely Connect Platform's rule: the highest full
 * release; only when there is none, the highest pre-release. A pinned version
 * that is published wins over the rule (a rollback). */
export function chooseVersion(versions: readonly string[], pinned?: string): string | null {
  if (pinned && versions.includes(pinned)) return pinned;
  const releases = versions.filter((v) => semver.prerelease(v) === null);
  const pool = releases.length > 0 ? releases : versions;
  return pool.length > 0 ? [...pool].sort(semver.rcompare)[0] : null;
}

const MAX_RETRIES = 8;
type Doc = (FunctionDoc | VersionDoc) & { _id: string; _rev?: string };

export class FunctionVersions {
  private readonly db: CouchDatabase<Doc>;

  constructor(private readonly routing: Routing, database: string) {
    this.db = new CouchDatabase(() => routing.functions(), database);
  }

  /** The function's versions, newest published first. */
  async list(fn: FunctionDoc): Promise<VersionDoc[]> {
    const ids = [...(fn.pvt_versions ?? [])].reverse().map((v) => versionDocId(fn._id, v));
    if (ids.length === 0) return [];
    const { rows } = await this.db.allDocs({ keys: ids, include_docs: true });
    return rows.map((row) => row.doc as VersionDoc | undefined).filter((doc): doc is VersionDoc => doc?.pvt_type === 'function_version');
  }

  /** One published version of the function; 404 when it has none by that name. */
  async get(fn: FunctionDoc, version: string): Promise<VersionDoc> {
    const doc = fn.pvt_versions?.includes(version) ? await this.db.get(versionDocId(fn._id, version)) : null;
    if (doc?.pvt_type !== 'function_version') throw badIdentifier(version);
    return doc as VersionDoc;
  }

  /** `next` as it must be stored: when the function has versions, the code
   * and name of the one that runs (pinned_version, else the rule). Throws
   * 400 for a pin to a version never published, or code changed in place. */
  async withChosen(current: FunctionDoc, next: FunctionDoc): Promise<FunctionDoc> {
    const versions = current.pvt_versions ?? [];
    if (next.pinned_version !== undefined && !versions.includes(next.pinned_version)) {
      throw fieldError('pinned_version', 'invalid', `version ${next.pinned_version} is not published; publish it first (PUT .../versions)`);
    }
    if (versions.length === 0) return next;
    if (next.function_js !== current.function_js) {
      throw fieldError('function_js', 'invalid', 'this function runs published versions: publish the new code as a version (PUT .../versions), or pin one (pinned_version)');
    }
    const chosen = chooseVersion(versions, next.pinned_version)!;
    if (chosen === current.pvt_version) return next;
    const version = await this.get(current, chosen);
    return { ...next, function_js: version.function_js, pvt_version: chosen };
  }

  /** Publishes a version (409 when the function has one of that precedence)
   * and makes the function run whichever version is now chosen. */
  async publish(fn: FunctionDoc, fields: VersionFields): Promise<{ version: VersionDoc; fn: FunctionDoc }> {
    const clash = (fn.pvt_versions ?? []).find((v) => semver.eq(v, fields.version));
    if (clash) throw conflict(`version ${clash} is already published; versions cannot change, publish a new one`);
    const version: VersionDoc = {
      _id: versionDocId(fn._id, fields.version), pvt_type: 'function_version', pvt_account_id: fn.pvt_account_id, pvt_function_id: fn._id,
      version: fields.version, function_js: fields.function_js, ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
      published_at: new Date().toISOString(), pvt_created: gregorianNow(), pvt_publish_id: Math.random().toString(36).slice(2)
    };
    await this.routing.writable();
    const stored = await this.store(version, fn);
    return { version: stored, fn: await this.choose(fn._id, stored) };
  }

  /** Writes the version once. On a cluster a racing publish of the same
   * version may be accepted too (202) as a conflicting revision: CouchDB's
   * winner stays, and the request whose copy lost is told 409. */
  private async store(version: VersionDoc, fn: FunctionDoc): Promise<VersionDoc> {
    try {
      const { rev, accepted } = await this.db.write(version);
      if (!accepted) return { ...version, _rev: rev };
      const winner = await this.db.settled(version._id) as VersionDoc | null;
      if (winner?.pvt_publish_id !== version.pvt_publish_id) throw conflict(`version ${version.version} was published by another request at the same time`);
      return winner;
    } catch (err) {
      if (!(err instanceof CouchError && err.status === 409)) throw err;
      // left by a publish that stopped before the function listed it: the same code completes it
      const existing = await this.db.get(version._id) as VersionDoc | null;
      if (existing && !fn.pvt_versions?.includes(version.version) && existing.function_js === version.function_js) return existing;
      throw conflict(`version ${version.version} is already published; versions cannot change, publish a new one`);
    }
  }

  /** Adds the version to its function and stores the chosen version's code
   * there, with the revision rule. Racing writes (409, or a cluster's 202
   * that left conflicting revisions) are merged: every leaf's versions are
   * kept and the choice made again, until the winner says what it must. */
  private async choose(functionId: string, published: VersionDoc): Promise<FunctionDoc> {
    for (let tries = 0; tries <= MAX_RETRIES; tries++) {
      const { winner, losers } = await this.leaves(functionId);
      const versions = [...new Set([...(winner.pvt_versions ?? []), ...losers.flatMap((l) => l.pvt_versions ?? []), published.version])];
      const chosen = chooseVersion(versions, winner.pinned_version)!;
      const settled = losers.length === 0 && winner.pvt_version === chosen && versions.length === (winner.pvt_versions ?? []).length;
      if (settled) return winner;
      const code = chosen === published.version ? published.function_js
        : chosen === winner.pvt_version ? winner.function_js
          : await this.code(functionId, chosen);
      const next: FunctionDoc = { ...winner, pvt_versions: versions, pvt_version: chosen, function_js: code, pvt_modified: gregorianNow() };
      try {
        const { rev, accepted } = await this.db.write(next);
        if (losers.length > 0) await this.db.bulk(losers.map((l) => ({ _id: functionId, _rev: l._rev, _deleted: true })));
        // 202: a racing write may yet win; read again until the winner is settled
        if (!accepted) return { ...next, _rev: rev };
      } catch (err) {
        if (!(err instanceof CouchError && err.status === 409)) throw err;
      }
    }
    throw conflict('the function kept changing while the version was published; publish again');
  }

  private async code(functionId: string, version: string): Promise<string> {
    const doc = await this.db.get(versionDocId(functionId, version)) as VersionDoc | null;
    if (doc?.pvt_type !== 'function_version') throw conflict(`version ${version} cannot be read yet; try again`);
    return doc.function_js;
  }

  /** The function's winning revision and any conflicting leaves (cluster races). */
  private async leaves(functionId: string): Promise<{ winner: FunctionDoc; losers: FunctionDoc[] }> {
    const doc = await this.db.get(functionId, { conflicts: true }) as (FunctionDoc & { _conflicts?: string[] }) | null;
    if (doc?.pvt_type !== 'function') throw badIdentifier(functionId);
    const { _conflicts: revs = [], ...winner } = doc;
    const losers = (await Promise.all(revs.map((rev) => this.db.get(functionId, { rev })))).filter((d): d is FunctionDoc => d !== null);
    return { winner: winner as FunctionDoc, losers };
  }

  /** Deletes a function's versions (when the function is deleted). */
  async removeAll(functionId: string): Promise<void> {
    const { rows } = await this.db.allDocs({ startkey: versionDocId(functionId, ''), endkey: `${versionDocId(functionId, '')}\ufff0` });
    if (rows.length === 0) return;
    await this.routing.writable();
    await this.db.bulk(rows.map((row) => ({ _id: row.id, _rev: row.value.rev, _deleted: true })));
  }
}
