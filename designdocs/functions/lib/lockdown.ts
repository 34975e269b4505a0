// Locks the show's realm before any customer code runs in it, the way SES's
// lockdown() does: every object reachable from the global (built-ins, their
// methods, accessors and prototypes, the global itself) is frozen, so no call
// can change what a later call, of any account, sees or runs. CouchDB keeps
// one JS process for many requests; after this, nothing in it is writable by
// customer code. Runs once per realm; a realm already locked is left as is.
import {
  apply, defineProperty, ErrorCtor, freeze, FunctionCtor, getOwnPropertyDescriptor, getOwnPropertyNames, getPrototypeOf,
  hasOwn, indexOf, isFrozen, push, regExpExec
} from './intrinsics';
import { safeJSON } from './json';

// What the query server puts on a show's global (share/server create_sandbox,
// couchjs itself). Kept for the query server's own use (views share the
// global on some engines), refused while customer code runs.
var QUERY_SERVER_NAMES = [
  'require', 'log', 'send', 'start', 'getRow', 'provides', 'registerType', 'emit', 'index', 'sum', 'isArray', 'toJSON',
  'print', 'readline', 'evalcx', 'gc', 'quit', 'seal'
];

// Inherited data properties that ordinary code sets on its own objects
// (`o.toString = ...`, `err.message = ...`). Frozen as plain data they would
// refuse that (the "override mistake"), so they become accessors that define
// the property on the object written to instead.
var OVERRIDABLE: [string, string[]][] = [
  ['Object', ['constructor', 'toString', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']],
  ['Function', ['toString']],
  ['Array', ['toString']],
  ['Error', ['name', 'message', 'constructor', 'toString']],
  ['TypeError', ['name', 'message', 'constructor']],
  ['RangeError', ['name', 'message', 'constructor']],
  ['SyntaxError', ['name', 'message', 'constructor']],
  ['ReferenceError', ['name', 'message', 'constructor']],
  ['EvalError', ['name', 'message', 'constructor']],
  ['URIError', ['name', 'message', 'constructor']]
];

// SpiderMonkey's legacy RegExp statics hold the last match of the whole
// realm: the previous call's data. Removed where the engine allows, and
// emptied around every call where it does not.
var REGEXP_STATICS = ['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9', 'input', '$_', 'lastMatch', '$&',
  'lastParen', '$+', 'leftContext', '$`', 'rightContext', "$'", 'multiline', '$*'];
var EMPTY_MATCH = /(?:)/;

var running = false;
var locked = false;

// Math.random: the engine's generator state is shared by every call in the
// process, so one call could recover it and replay another's numbers. Each
// call mixes in a stream of its own, seeded from the request's uuid, which
// no customer code sees.
var stream = [1, 2, 3, 4];

// a * b modulo 2^32, exact (a plain product would pass 2^53)
function mul32(a: number, b: number): number {
  return (((a & 0xffff) * b) + ((((a >>> 16) * b) & 0xffff) << 16)) >>> 0;
}

// FNV-1a, four ways salted
function seed(text: string): void {
  for (var k = 0; k < 4; k++) {
    var h = (0x811c9dc5 ^ mul32(k + 1, 0x9e3779b9)) >>> 0;
    for (var i = 0; i < text.length; i++) h = mul32((h ^ text.charCodeAt(i)) >>> 0, 16777619);
    stream[k] = h || 1;
  }
}

// the call's entropy, hashed into its stream only if it draws a number:
// most functions never do, and the hash is most of a call's own cost
var unseeded: string | null = null;

// xorshift128: 32 random bits from the call's own stream
function nextBits(): number {
  if (unseeded !== null) {
    seed(unseeded);
    unseeded = null;
  }
  var t = stream[3];
  var s = stream[0];
  stream[3] = stream[2];
  stream[2] = stream[1];
  stream[1] = s;
  t ^= t << 11;
  t ^= t >>> 8;
  stream[0] = (t ^ s ^ (s >>> 19)) >>> 0;
  return stream[0];
}

function tameRandom(global: any): void {
  var native = global.Math.random;
  defineProperty(global.Math, 'random', {
    value: function () {
      var mine = (nextBits() * 4294967296 + nextBits()) / 18446744073709551616;
      var mixed = native() + mine;
      return mixed >= 1 ? mixed - 1 : mixed;
    },
    writable: false, configurable: false
  });
}

/** Marks the span in which customer code may run (the query server's helpers
 * refuse to work then); `entropy` seeds the call's own random stream. */
export function enterCustomerCode(entropy: string): void {
  regExpExec(EMPTY_MATCH, '');
  unseeded = entropy;
  running = true;
}

export function leaveCustomerCode(): void {
  running = false;
  regExpExec(EMPTY_MATCH, '');
}

function guard(name: string, real: Function): Function {
  return function (this: unknown) {
    if (running) throw new ErrorCtor(name + ' is not available to functions');
    return apply(real, this, arguments);
  };
}

function tame(proto: any, name: string): void {
  var desc = getOwnPropertyDescriptor(proto, name);
  if (!desc || !('value' in desc) || !desc.configurable) return;
  var value = desc.value;
  defineProperty(proto, name, {
    get: function () { return value; },
    set: function (this: any, next: unknown) {
      if (this === proto) return; // refused quietly, as a frozen built-in refuses sloppy code
      defineProperty(this, name, { value: next, writable: true, enumerable: true, configurable: true });
    },
    enumerable: desc.enumerable,
    configurable: false
  });
}

// Prototypes that have no global name but are reachable from engines newer
// than ES5. Each is looked for on its own: CouchDB's QuickJS has generators
// but neither Promise nor typed arrays.
var HIDDEN = [
  'var g = function* () {}; return [Object.getPrototypeOf(g), Object.getPrototypeOf(g.prototype)];',
  'return typeof Promise === "function" ? [Object.getPrototypeOf(async function () {})] : [];',
  'var it = Object.getPrototypeOf([][Symbol.iterator]()); return [it, Object.getPrototypeOf(it)];',
  'return [Object.getPrototypeOf(""[Symbol.iterator]()), Object.getPrototypeOf(/(?:)/[Symbol.matchAll](""))];',
  'return [Object.getPrototypeOf(new Map()[Symbol.iterator]()), Object.getPrototypeOf(new Set()[Symbol.iterator]())];',
  'return [Object.getPrototypeOf(Int8Array)];',
  'return [Object.getPrototypeOf([].values().map(function (x) { return x; }))];',
  'return [Object.getPrototypeOf(Iterator.from({next: function () { return {done: true}; }}))];',
  'var ag = async function* () {}; var p = Object.getPrototypeOf(ag.prototype);' +
    ' return [Object.getPrototypeOf(ag), p, Object.getPrototypeOf(p)];'
];

function hiddenIntrinsics(): any[] {
  var found: any[] = [];
  for (var i = 0; i < HIDDEN.length; i++) {
    try {
      found = found.concat(FunctionCtor(HIDDEN[i])());
    } catch (e) {
      // this engine has not got it
    }
  }
  return found;
}

// Own keys, symbols included where the engine has them.
function ownKeys(global: any, value: any): any[] {
  var keys: any[] = getOwnPropertyNames(value);
  var symbolsOf = global.Object['getOwnProperty' + 'Symbols']; // ES2015, feature-tested
  return typeof symbolsOf === 'function' ? keys.concat(symbolsOf(value)) : keys;
}

function seenSet(global: any): { has(v: any): boolean; add(v: any): void } {
  var MapCtor = global['Map']; // ES2015, feature-tested
  if (typeof MapCtor === 'function') {
    var map = new MapCtor();
    return { has: function (v) { return map.has(v); }, add: function (v) { map.set(v, true); } };
  }
  var list: any[] = [];
  return { has: function (v) { return indexOf(list, v) >= 0; }, add: function (v) { push(list, v); } };
}

/** Freezes everything reachable from roots: own values, accessors and prototypes. */
export function harden(global: any, roots: any[]): void {
  var seen = seenSet(global);
  var stack = roots.slice();
  while (stack.length > 0) {
    var value = stack.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    freeze(value);
    push(stack, getPrototypeOf(value));
    var keys = ownKeys(global, value);
    for (var i = 0; i < keys.length; i++) {
      var desc = getOwnPropertyDescriptor(value, keys[i]);
      if (!desc) continue;
      if ('value' in desc) push(stack, desc.value);
      else {
        push(stack, desc.get);
        push(stack, desc.set);
      }
    }
  }
}

function replaceGlobal(global: any, name: string, value: unknown): void {
  var desc = getOwnPropertyDescriptor(global, name);
  if (desc && !desc.configurable && !desc.writable) return;
  defineProperty(global, name, { value: value, writable: false, enumerable: desc ? desc.enumerable : false, configurable: false });
}

function removeRegExpStatics(global: any): void {
  for (var i = 0; i < REGEXP_STATICS.length; i++) {
    var desc = getOwnPropertyDescriptor(global.RegExp, REGEXP_STATICS[i]);
    if (desc && desc.configurable) delete global.RegExp[REGEXP_STATICS[i]];
  }
}

/** Locks the realm of `global` once (later calls cost one check), and with it
 * `reachable`, whatever else customer code is handed; false if it could not. */
export function lockdown(global: any, reachable: unknown[]): boolean {
  if (locked) return true;
  // Frozen by another copy of this code (an older design-doc revision in the
  // same process): its guards and random stream are not ours to drive. Fail
  // closed; a restart of the JS process gives every revision a realm of its own.
  if (isFrozen(global)) return false;
  {
    for (var q = 0; q < QUERY_SERVER_NAMES.length; q++) {
      var name = QUERY_SERVER_NAMES[q];
      if (hasOwn(global, name) && typeof global[name] === 'function') replaceGlobal(global, name, guard(name, global[name]));
    }
    replaceGlobal(global, 'JSON', safeJSON);
    removeRegExpStatics(global);
    tameRandom(global);
    for (var o = 0; o < OVERRIDABLE.length; o++) {
      var owner = global[OVERRIDABLE[o][0]];
      for (var p = 0; owner && p < OVERRIDABLE[o][1].length; p++) tame(owner.prototype, OVERRIDABLE[o][1][p]);
    }
  }
  harden(global, [global, FunctionCtor('')].concat(hiddenIntrinsics(), reachable));
  locked = isFrozen(global) && isFrozen(global.Object.prototype);
  return locked;
}
