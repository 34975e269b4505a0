// Globals the CouchDB query server gives design-doc code (share/server/*.js).
declare function emit(key: unknown, value: unknown): void;
declare function log(message: unknown): void;
// The function schema validator, generated from src/schemas/function.json at build time.
declare module 'couchfn:function-validator' {
  interface SchemaError { instancePath: string; keyword: string; message?: string; params: { [k: string]: unknown } }
  interface Validate { (data: unknown): boolean; errors?: SchemaError[] | null }
  var validate: Validate;
  export default validate;
}
