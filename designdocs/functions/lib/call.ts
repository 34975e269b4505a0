// Rebuilds the call from the raw query string exactly as Kazoo's cf_function
// encodes it (kz_http_util): `k=v` pairs, `+` for space, `%XX` per UTF-8 byte,
// `k[sub]=v` for nested objects and `k[]=v` for arrays. CouchDB's own
// req.query is not used: the embedded server JSON-parses its values.
// The sandbox engine runs this very module in Node too
// (src/invoke/sandbox-engine.ts), hence the `.js` Node needs in the import.
import { decodeURIComponentRef, hasOwn, isArray, push, setOwn } from './intrinsics.js';

export interface Call { [key: string]: unknown }

function decodePart(part: string): string {
  // most keys and values need no decoding: no copy, no decoder call
  var text = part.indexOf('+') < 0 ? part : part.replace(/\+/g, ' ');
  if (text.indexOf('%') < 0) return text;
  try {
    return decodeURIComponentRef(text);
  } catch (e) {
    return text; // a stray `%` stays as sent, as CouchDB leaves it
  }
}

// `a[b][]` -> ['a', 'b', ''], or null when the key has no brackets.
function keyPath(key: string): string[] | null {
  var open = key.indexOf('[');
  if (open <= 0 || key.charAt(key.length - 1) !== ']') return null;
  var inner = key.substring(open + 1, key.length - 1).split('][');
  for (var i = 0; i < inner.length; i++) {
    if (inner[i].indexOf('[') >= 0 || inner[i].indexOf(']') >= 0) return null;
  }
  return [key.substring(0, open)].concat(inner);
}

function isUnsafe(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

// Puts value at path inside tree; a path that clashes with what is already
// there (a string where an object is needed) is dropped, the first wins.
function setPath(tree: any, path: string[], value: string): void {
  var node = tree;
  for (var i = 0; i < path.length - 1; i++) {
    var name = path[i];
    var wantArray = path[i + 1] === '';
    if (isUnsafe(name)) return;
    if (name === '') return; // `k[][x]` has no Kazoo encoding
    if (!hasOwn(node, name)) setOwn(node, name, wantArray ? [] : {});
    node = node[name];
    if (typeof node !== 'object' || (wantArray !== isArray(node))) return;
  }
  var last = path[path.length - 1];
  if (last === '') {
    if (isArray(node)) push(node, value);
  } else if (!isUnsafe(last) && (!hasOwn(node, last) || typeof node[last] === 'string')) {
    setOwn(node, last, value);
  }
}

export function decodeCall(rawPath: string): Call {
  var call: Call = {};
  var nested: any = {};
  var start = rawPath.indexOf('?');
  if (start < 0) return call;
  var pairs = rawPath.substring(start + 1).split('&');
  for (var i = 0; i < pairs.length; i++) {
    if (pairs[i] === '') continue; // Kazoo leaves `&&` for an empty object
    var eq = pairs[i].indexOf('=');
    var key = decodePart(eq < 0 ? pairs[i] : pairs[i].substring(0, eq));
    var value = eq < 0 ? '' : decodePart(pairs[i].substring(eq + 1));
    if (key === '' || isUnsafe(key)) continue;
    setOwn(call, key, value); // the flat key, as plain CouchDB shows it: last one wins
    var path = keyPath(key);
    if (path) setPath(nested, path, value);
  }
  for (var name in nested) {
    if (hasOwn(nested, name) && !hasOwn(call, name)) {
      setOwn(call, name, nested[name]);
    }
  }
  return call;
}
