// The little of express-pouchdb and PouchDB that the embedded server uses.
declare module 'express-pouchdb' {
  import type { RequestHandler } from 'express';
  function expressPouchDB(PouchDB: unknown, options: Record<string, unknown>): RequestHandler & { couchConfig: unknown };
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
