// The little of express-pouchdb and PouchDB that the embedded server uses.
declare module 'express-pouchdb' {
  import type { RequestHandler } from 'express';
  interface DbWrapper { registerWrapper(wrapper: (name: string, db: any, next: () => void) => void): void }
  function expressPouchDB(PouchDB: unknown, options: Record<string, unknown>): RequestHandler & { couchConfig: unknown; dbWrapper: DbWrapper };
  export default expressPouchDB;
}
declare module 'pouchdb' {
  interface PouchDBHandle { get(id: string): Promise<Record<string, any>> }
  interface PouchDBConstructor {
    new (name: string): PouchDBHandle;
    defaults(options: Record<string, unknown>): PouchDBConstructor;
    allDbs?: () => Promise<string[]>;
  }
  const PouchDB: PouchDBConstructor;
  export default PouchDB;
}
