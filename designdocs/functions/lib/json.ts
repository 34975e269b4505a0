// JSON for customer code. On CouchDB the show's global JSON is the query
// server's own, from another realm: an object it returns leads, through
// `.constructor`, to that realm's Function and so to the query server
// itself. Customer code gets this JSON instead, which hands out only objects
// of the show's realm and never passes the other realm's objects to a
// customer callback (reviver, replacer). Same results as the standard JSON.
import {
  apply, defineOwn, errorCtors, ErrorCtor, indexOf, isArray, nativeParse, nativeStringify, objectKeys, push, StringCtor,
  TypeErrorCtor, unwrapped
} from './intrinsics';

var MAX_DEPTH = 512;

// An error of this realm with the same name and message.
function localError(thrown: any): Error {
  var name = 'Error';
  var message = '';
  try {
    name = StringCtor(thrown.name);
    message = StringCtor(thrown.message);
  } catch (e) {
    // keep the defaults
  }
  var Ctor = errorCtors[name] || ErrorCtor;
  return new Ctor(message);
}

// Parsed JSON of any realm -> the same data in this one.
function copyIn(value: any, depth: number): any {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new errorCtors.RangeError('JSON nested deeper than ' + MAX_DEPTH + ' levels');
  var i;
  if (isArray(value)) {
    var list: any[] = [];
    for (i = 0; i < value.length; i++) list[i] = copyIn(value[i], depth + 1);
    return list;
  }
  var object = {};
  var keys = objectKeys(value);
  for (i = 0; i < keys.length; i++) defineOwn(object, keys[i], copyIn(value[keys[i]], depth + 1));
  return object;
}

function internalize(holder: any, key: string, reviver: Function): any {
  var value = holder[key];
  if (value !== null && typeof value === 'object') {
    var keys = isArray(value) ? null : objectKeys(value);
    var count = keys ? keys.length : value.length;
    for (var i = 0; i < count; i++) {
      var name = keys ? keys[i] : StringCtor(i);
      var revived = internalize(value, name, reviver);
      if (revived === undefined) delete value[name];
      else defineOwn(value, name, revived);
    }
  }
  return apply(reviver, holder, [key, value]);
}

function parse(text: unknown, reviver?: unknown): unknown {
  var value;
  try {
    value = copyIn(nativeParse(StringCtor(text)), 0);
  } catch (e) {
    throw localError(e);
  }
  if (typeof reviver !== 'function') return value;
  var root = {};
  defineOwn(root, '', value);
  return internalize(root, '', reviver);
}

function isDropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

// Applies toJSON and the replacer as JSON.stringify does, into plain data.
function replaced(holder: any, key: string, replacer: Function, stack: any[]): any {
  var value = holder[key];
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON(key);
  value = apply(replacer, holder, [key, value]);
  if (value === null || typeof value !== 'object') return value;
  value = unwrapped(value);
  if (typeof value !== 'object') return value;
  if (indexOf(stack, value) >= 0) throw new TypeErrorCtor('cyclic object value');
  push(stack, value);
  var out: any;
  var i;
  if (isArray(value)) {
    out = [];
    for (i = 0; i < value.length; i++) {
      var item = replaced(value, StringCtor(i), replacer, stack);
      out[i] = isDropped(item) ? null : item;
    }
  } else {
    out = {};
    var keys = objectKeys(value);
    for (i = 0; i < keys.length; i++) {
      var member = replaced(value, keys[i], replacer, stack);
      if (!isDropped(member)) defineOwn(out, keys[i], member);
    }
  }
  stack.length = stack.length - 1;
  return out;
}

function stringify(value: unknown, replacer?: unknown, space?: unknown): string | undefined {
  var allowed: string[] | undefined;
  if (typeof replacer === 'function') {
    var root = {};
    defineOwn(root, '', value);
    value = replaced(root, '', replacer, []);
  } else if (isArray(replacer)) {
    allowed = [];
    for (var i = 0; i < (replacer as unknown[]).length; i++) {
      var name = unwrapped((replacer as unknown[])[i]);
      if (typeof name === 'string' || typeof name === 'number') push(allowed, StringCtor(name));
    }
  }
  try {
    return nativeStringify(value, allowed, space as string | number | undefined);
  } catch (e) {
    throw localError(e);
  }
}

export var safeJSON = { parse: parse, stringify: stringify };
