// Helpers every document store shares: ids, Kazoo's timestamps, the split
// between public fields and private ones, the revision rule, Kazoo's PATCH.
import { randomBytes } from 'node:crypto';
import { conflict } from '../errors.js';

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

/** Kazoo's PATCH (kz_json:merge_left): request wins, objects merge deeply,
 * null removes, an empty object empties. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (isObject(value) && Object.keys(value).length > 0) merged[key] = mergePatch(isObject(merged[key]) ? merged[key] : {}, value);
    else merged[key] = value;
  }
  return merged;
}
