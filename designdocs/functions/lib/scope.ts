// What customer code sees by name. It is built as
// `function (call, console, log, <scope names>, <names it assigns>) { function_js }`,
// `console` and `log` being the call's own (lib/console), so the
// query server's helpers are shadowed by harmless values of the show's own
// realm, and a name the code assigns without declaring is the call's own
// variable. Compiled functions are kept per document revision.
import { assignedNames } from './assigned';
import { apply, freeze, FunctionCtor, hasOwn, indexOf, isArray, push } from './intrinsics';
import { safeJSON } from './json';

function sum(values: number[]): number {
  var total = 0;
  for (var i = 0; i < values.length; i++) total += values[i];
  return total;
}

var SCOPE: [string, unknown][] = [
  ['JSON', safeJSON], ['isArray', isArray], ['sum', sum],
  ['toJSON', function (value: unknown) { return safeJSON.stringify(value); }],
  ['require', undefined], ['send', undefined], ['start', undefined], ['getRow', undefined], ['provides', undefined],
  ['registerType', undefined], ['emit', undefined], ['index', undefined], ['print', undefined], ['readline', undefined],
  ['evalcx', undefined], ['gc', undefined], ['quit', undefined], ['seal', undefined], ['globalThis', undefined]
];
var SCOPE_NAMES = ['call', 'console', 'log'];
var SCOPE_VALUES: unknown[] = [];
for (var s = 0; s < SCOPE.length; s++) {
  push(SCOPE_NAMES, SCOPE[s][0]);
  push(SCOPE_VALUES, SCOPE[s][1]);
}

export type Compiled = Function;

var MAX_CACHED = 500;
var cache: { [key: string]: Compiled } = {};
var cached = 0;

function compile(source: string): Compiled {
  var params = SCOPE_NAMES.slice();
  var assigned = assignedNames(source);
  for (var i = 0; i < assigned.length; i++) if (indexOf(params, assigned[i]) < 0) push(params, assigned[i]);
  push(params, source);
  var fn = apply(FunctionCtor, null, params);
  // Nothing may be left on the function between calls. Its prototype, whose
  // constructor points back at it, would make it a cycle that only a garbage
  // collection frees; without one, dropping it frees it at once.
  fn.prototype = null;
  freeze(fn);
  return fn;
}

/** The function of a document revision, compiled once; throws SyntaxError as Function does. */
export function compiledFunction(doc: { _id?: string; _rev?: string; function_js: string }): Compiled {
  if (typeof doc._rev !== 'string') return compile(doc.function_js);
  var key = '$' + doc._id + '@' + doc._rev;
  if (hasOwn(cache, key)) return cache[key];
  if (cached >= MAX_CACHED) {
    cache = {};
    cached = 0;
  }
  var fn = compile(doc.function_js);
  cache[key] = fn;
  cached++;
  return fn;
}

/** Drops every compiled function: what they keep (each nested function
 * keeps a copy of its source) shares this process's memory with every call. */
export function forgetCompiled(): void {
  cache = {};
  cached = 0;
}

/** What customer code is handed besides the global: lockdown freezes it too. */
export var scopeValues: unknown[] = SCOPE_VALUES;

/** Runs a compiled function on a call, with a fresh `this` and the call's own console. */
export function runCompiled(fn: Compiled, call: unknown, console: unknown, log: unknown): unknown {
  return apply(fn, {}, [call, console, log].concat(SCOPE_VALUES));
}
