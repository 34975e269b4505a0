// The storage plan: stored as doc `system` in `system_data` on the main
// CouchDB, applied to routing here, and followed through the changes feed so
// that every proxy process routes the same way within a second or two.
import type { BuiltDesignDoc } from '../build/designdocs.js';
import { openConnection, type Connection } from '../couch/connection.js';
import type { CouchDatabase } from '../couch/database.js';
import { checkRevision, type StoredDoc } from '../couch/docs.js';
import type { Routing } from '../couch/routing.js';
import { migrateFunctions, replicate, migrationStep } from './migration.js';
import { checkReferences, functionsTarget, type StoragePlan } from './plan.js';

export const PLAN_DOC = 'system';
// Other processes see a new plan within about a second (the changes poll);
// a second catch-up after this long copies what they wrote meanwhile.
const LATE_CATCH_UP_MS = 5000;

export type PlanDoc = StoredDoc & StoragePlan;

export interface StorageOptions { couchTimeoutMs: number; dbPrefix: string; designDocs: () => BuiltDesignDoc[]; log: (msg: string, err?: unknown) => void }

export class StorageService {
  private changing: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: CouchDatabase<PlanDoc>, private readonly routing: Routing, private readonly options: StorageOptions) {}

  /** The stored plan, or null when there is none. */
  read(): Promise<PlanDoc | null> {
    return this.db.get(PLAN_DOC);
  }

  private connectionTo(target: { id: string; url: string }): Connection {
    if (target.url === this.routing.main.url) return this.routing.main;
    const current = this.routing.functions();
    if (current.url === target.url) return current;
    return openConnection(target.id, target.url, this.options.couchTimeoutMs);
  }

  /** Routes as the stored plan says (at start, and when another process changed it). */
  async apply(): Promise<void> {
    const connection = this.connectionTo(functionsTarget(await this.read(), this.routing.main.url));
    if (connection !== this.routing.functions()) this.routing.routeFunctions(connection);
  }

  /** Stores a new plan (null deletes it), moving the functions first when it sends them elsewhere. */
  change(next: StoragePlan | null, expectedRev?: string): Promise<PlanDoc | null> {
    const run = this.changing.then(() => this.changeNow(next, expectedRev));
    this.changing = run.catch(() => undefined);
    return run;
  }

  private async changeNow(next: StoragePlan | null, expectedRev?: string): Promise<PlanDoc | null> {
    if (next) checkReferences(next);
    const stored = await this.read();
    checkRevision(expectedRev, stored?._rev);
    const source = this.routing.functions();
    const target = this.connectionTo(functionsTarget(next, this.routing.main.url));
    if (target === source) return this.save(next, stored);
    const release = this.routing.holdWrites();
    try {
      await migrateFunctions(source, target, this.options.designDocs(), this.options.dbPrefix);
      const saved = await migrationStep('switch', this.routing.main, () => this.save(next, stored));
      this.routing.routeFunctions(target);
      const database = `${this.options.dbPrefix}functions`;
      await migrationStep('catch-up', target, () => replicate(source, target, database)).catch((err) => this.options.log('catch-up after the switch failed', err));
      setTimeout(() => {
        replicate(source, target, database).catch((err) => this.options.log('late catch-up failed', err));
      }, LATE_CATCH_UP_MS).unref();
      return saved;
    } catch (err) {
      if (target !== this.routing.main && target !== this.routing.functions()) void target.close();
      throw err;
    } finally {
      release();
    }
  }

  private async save(next: StoragePlan | null, stored: PlanDoc | null): Promise<PlanDoc | null> {
    if (!next) {
      if (stored) await this.db.remove(PLAN_DOC, stored._rev!);
      return null;
    }
    const doc = { ...next, _id: PLAN_DOC, ...(stored ? { _rev: stored._rev } : {}), pvt_type: 'storage' } as PlanDoc;
    return { ...doc, _rev: await this.db.put(doc) };
  }
}
