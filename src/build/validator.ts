// Turns a JSON Schema into ES5 validator source (ajv standalone) that a
// CouchDB 2.x/3.x engine can run inside validate_doc_update.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

// ajv's runtime helpers are not ES5 and CouchDB's require only sees design
// doc modules, so the two it may ask for are given inline.
const INLINE_HELPERS: Record<string, string> = {
  'ajv/dist/runtime/ucs2length': `{ default: function (str) {
    var length = 0, pos = 0, value;
    while (pos < str.length) {
      length++;
      value = str.charCodeAt(pos++);
      if (value >= 0xd800 && value <= 0xdbff && pos < str.length) {
        value = str.charCodeAt(pos);
        if ((value & 0xfc00) === 0xdc00) pos++;
      }
    }
    return length;
  } }`,
  'ajv/dist/runtime/equal': `{ default: function equal(a, b) {
    if (a === b) return true;
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      var keys, i;
      if ((a instanceof Array) !== (b instanceof Array)) return false;
      if (a instanceof Array) {
        if (a.length !== b.length) return false;
        for (i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
        return true;
      }
      keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      for (i = 0; i < keys.length; i++) {
        if (!Object.prototype.hasOwnProperty.call(b, keys[i]) || !equal(a[keys[i]], b[keys[i]])) return false;
      }
      return true;
    }
    return a !== a && b !== b;
  } }`
};

export function validatorSource(schema: { $id: string }): string {
  const ajv = new (Ajv as unknown as typeof Ajv.default)({ code: { source: true, es5: true, esm: true, lines: true }, strict: true, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  const source = (standaloneCode as unknown as typeof standaloneCode.default)(ajv, validate);
  // ajv's ESM wrapper declares its export with `const`
  return source.replace(/^export const /gm, 'export var ').replace(/require\("([^"]+)"\)/g, (whole, name: string) => {
    const inline = INLINE_HELPERS[name];
    if (!inline) throw new Error(`schema ${schema.$id}: ajv needs runtime helper ${name}, which has no ES5 version here`);
    return `(${inline})`;
  });
}
