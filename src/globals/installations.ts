// Installations: an account below a reseller registers the value that names
// it in requests to the reseller's global function (a header, a query
// parameter, a JSON field, or its own id for GUID). The id of an installation
// is derived from the function and the value, so a value can belong to one
// account only, whichever proxy process writes it, and the public route finds
// it with one read.
import { createHash, randomBytes } from 'node:crypto';
import type { AccountDoc } from '../accounts/directory.js';
import type { CouchDatabase } from '../couch/database.js';
import { gregorianNow } from '../couch/docs.js';
import { CouchError } from '../couch/request.js';
import { badIdentifier, conflict, fieldError } from '../errors.js';
import type { FunctionDoc } from '../functions/store.js';

export interface InstallationDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'installation';
  pvt_account_id: string;
  pvt_function_id: string;
  pvt_reseller_id: string;
  /** the global function's name */
  function: string;
  value: string;
  pvt_created: number;
  /** tells this request's write from a racing one of the same value */
  pvt_install_id: string;
}

/** 32 hex characters, as every Kazoo id, from the function and the value. */
export const installationId = (functionId: string, value: string) =>
  createHash('sha256').update(`${functionId}\n${value}`).digest('hex').slice(0, 32);

export class Installations {
  constructor(private readonly db: CouchDatabase<InstallationDoc>) {}

  /** Registers the account's value for a global function; 409 when the value is taken. */
  async create(account: AccountDoc, fn: FunctionDoc, value: string | undefined): Promise<InstallationDoc> {
    const guid = fn.installation_resolution?.type === 'GUID';
    if (guid && value !== undefined && value !== account._id) {
      throw fieldError('value', 'invalid', 'this function resolves installations by GUID: the value is the account id (leave it out)');
    }
    if (!guid && value === undefined) throw fieldError('value', 'required', 'Field is required but missing');
    const installed = guid ? account._id : value!;
    const doc: InstallationDoc = {
      _id: installationId(fn._id, installed), pvt_type: 'installation', pvt_account_id: account._id, pvt_function_id: fn._id,
      pvt_reseller_id: fn.pvt_account_id, function: fn.name, value: installed, pvt_created: gregorianNow(), pvt_install_id: randomBytes(8).toString('hex')
    };
    const taken = () => conflict(`the value is already installed for ${fn.name}`);
    try {
      const { rev, accepted } = await this.db.write(doc);
      if (!accepted) return { ...doc, _rev: rev };
      // 202 on a cluster: a racing install of the same value may win; CouchDB's winner stays
      const winner = await this.db.settled(doc._id);
      if (winner?.pvt_install_id !== doc.pvt_install_id) throw taken();
      return winner;
    } catch (err) {
      if (err instanceof CouchError && err.status === 409) throw taken();
      throw err;
    }
  }

  async list(accountId: string): Promise<InstallationDoc[]> {
    const { rows } = await this.db.view<null>('function_installations', 'by_account', { key: accountId, include_docs: true });
    return rows.map((row) => row.doc!).filter(Boolean);
  }

  /** The account's installation; any other answer is 404 bad_identifier. */
  async get(accountId: string, id: string): Promise<InstallationDoc> {
    const doc = await this.db.get(id);
    if (doc?.pvt_type !== 'installation' || doc.pvt_account_id !== accountId) throw badIdentifier(id);
    return doc;
  }

  async remove(doc: InstallationDoc): Promise<void> {
    await this.db.remove(doc._id, doc._rev!);
  }

  /** Deletes an account's installations (when the account is deleted), freeing their values. */
  async removeAll(accountId: string): Promise<void> {
    const docs = await this.list(accountId);
    if (docs.length > 0) await this.db.bulk(docs.map((doc) => ({ _id: doc._id, _rev: doc._rev, _deleted: true })));
  }

  /** The installation a request's value names for the function, or null. */
  async match(fn: FunctionDoc, value: string): Promise<InstallationDoc | null> {
    const doc = await this.db.get(installationId(fn._id, value));
    return doc?.pvt_type === 'installation' && doc.pvt_function_id === fn._id && doc.value === value ? doc : null;
  }
}
