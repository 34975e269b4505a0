// Helpers every document store shares: ids, Kazoo's timestamps, the split
// between public fields and private ones, and CouchDB answers as API errors.
import { randomBytes } from 'node:crypto';
import type { DocumentScope } from 'nano';
import { ApiError, badIdentifier, conflict, gatewayTimeout, unavailable } from '../http/errors.js';
import { networkCode } from './errors.js';

export interface StoredDoc { _id: string; _rev?: string; [key: string]: unknown }

/** Kazoo's ids: 32 lowercase hex characters. */
export const newId = () => randomBytes(16).toString('hex');

/** Gregorian seconds, as Kazoo stores pvt_created and pvt_modified. */
export const gregorianNow = () => Math.floor(Date.now() / 1000) + 62167219200;

export function isPrivate(key: string): boolean {
  return key.startsWith('_') || key.startsWith('pvt_');
}

/** What the API shows of a stored doc: public fields and its id. */
export function publicView(doc: StoredDoc): Record<string, unknown> {
  const view: Record<string, unknown> = { id: doc._id };
  for (const [key, value] of Object.entries(doc)) if (!isPrivate(key)) view[key] = value;
  return view;
}

/** Request data with private keys removed: clients never set them. */
export function publicFields(data: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!isPrivate(key) && key !== 'id') fields[key] = value;
  return fields;
}

/** The private part of a stored doc (_id, _rev, pvt_*), kept when clients replace the rest. */
export function privateFields<D extends StoredDoc>(doc: D): D {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => isPrivate(key))) as D;
}

/** A revision the client sent back (If-Match or `revision`) must still be the current one. */
export function checkRevision(expected: string | undefined, current: string | undefined): void {
  if (expected && expected !== current) throw conflict(`revision ${expected} is not the current one`);
}

/** Kazoo's PATCH: request wins, objects merge deeply, null removes. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof merged[key] === 'object' && merged[key] !== null && !Array.isArray(merged[key])) {
      merged[key] = mergePatch(merged[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else merged[key] = value;
  }
  return merged;
}

/** A CouchDB failure as the API reports it; `id` names the doc for a 404. */
export function couchFailure(err: unknown, id?: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { statusCode?: number; reason?: string; name?: string; message?: string };
  if (e.statusCode === 404 && id) return badIdentifier(id);
  if (e.statusCode === 409) return conflict();
  if (e.statusCode === 403) return new ApiError(400, 'validation error', { cause: e.reason });
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/.test(e.message ?? '')) return gatewayTimeout('the datastore did not answer in time');
  if (!e.statusCode || networkCode(err)) return unavailable('the datastore cannot be reached');
  return new ApiError(e.statusCode >= 500 ? 503 : 500, e.statusCode >= 500 ? 'datastore_fault' : 'unspecified', { cause: e.reason });
}

/** The doc, or null when there is none by that id; other failures as API errors. */
export async function getOrNull<D>(db: DocumentScope<D>, id: string): Promise<(D & { _id: string; _rev: string }) | null> {
  try {
    return await db.get(id);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw couchFailure(err);
  }
}
