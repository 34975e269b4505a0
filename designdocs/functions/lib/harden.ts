// CouchDB runs many requests, of many accounts, in one JS process. Before any
// customer code runs, the built-ins are frozen (once per process) so that no
// function can change what another one sees; after every call the globals are
// put back as they were, so nothing a call leaves behind reaches the next one.

// Standard built-ins by name: only these are frozen, never the query
// server's own globals (State, Render...), which it changes as it runs.
var BUILTINS = [
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Date', 'RegExp', 'Math', 'JSON',
  'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'Symbol', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Proxy', 'Reflect', 'BigInt',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'Intl', 'AggregateError',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'
];

// Inherited data properties that ordinary code sets on its own objects
// (`o.toString = ...`, `err.message = ...`). Frozen as plain data they would
// refuse that (the "override mistake"), so they become accessors that define
// the property on the object being written instead.
var OVERRIDABLE: [string, string][] = [
  ['Object', 'toString'], ['Object', 'valueOf'], ['Object', 'constructor'], ['Object', 'toLocaleString'],
  ['Object', 'hasOwnProperty'], ['Error', 'name'], ['Error', 'message'], ['Function', 'toString'],
  ['Array', 'toString']
];

export interface GlobalSnapshot { names: string[]; descriptors: { [key: string]: PropertyDescriptor } }

export function globalObject(): any {
  // A sloppy function made by Function sees the real global as `this`.
  return Function('return this')();
}

function tame(proto: any, name: string): void {
  var desc = Object.getOwnPropertyDescriptor(proto, name);
  if (!desc || !('value' in desc) || !desc.configurable) return;
  var value = desc.value;
  Object.defineProperty(proto, name, {
    get: function () { return value; },
    set: function (this: any, next: unknown) {
      if (this === proto) return; // refused quietly, as any frozen built-in refuses sloppy code
      Object.defineProperty(this, name, { value: next, writable: true, enumerable: true, configurable: true });
    },
    enumerable: desc.enumerable,
    configurable: false
  });
}

function freezeDeep(value: any): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  Object.freeze(value);
  if (typeof value === 'function' && value.prototype) Object.freeze(value.prototype);
}

// Prototypes that have no global name but are reachable from any engine
// newer than ES5 (generators, iterators, async functions).
function hiddenIntrinsics(): any[] {
  try {
    var found = Function(
      'var g = function* () {}; var a = async function () {};' +
      'var it = Object.getPrototypeOf([][Symbol.iterator]());' +
      'return [Object.getPrototypeOf(g), Object.getPrototypeOf(g.prototype), Object.getPrototypeOf(a),' +
      ' it, Object.getPrototypeOf(it), Object.getPrototypeOf(new Map()[Symbol.iterator]()),' +
      ' Object.getPrototypeOf(new Set()[Symbol.iterator]()), Object.getPrototypeOf(""[Symbol.iterator]()),' +
      ' Object.getPrototypeOf(Int8Array)];'
    )();
    return found;
  } catch (e) {
    return []; // an ES5 engine has none of them
  }
}

export function hardenOnce(global: any): void {
  if (Object.isFrozen(Object.prototype)) return;
  for (var t = 0; t < OVERRIDABLE.length; t++) {
    var owner = global[OVERRIDABLE[t][0]];
    if (owner && owner.prototype) tame(owner.prototype, OVERRIDABLE[t][1]);
  }
  var hidden = hiddenIntrinsics();
  for (var h = 0; h < hidden.length; h++) {
    freezeDeep(hidden[h]);
    if (hidden[h] && hidden[h].prototype) freezeDeep(hidden[h].prototype);
  }
  for (var i = 0; i < BUILTINS.length; i++) {
    var value = global[BUILTINS[i]];
    freezeDeep(value);
    // Intl and Atomics hold constructors too
    if (value && typeof value === 'object') {
      var keys = Object.getOwnPropertyNames(value);
      for (var k = 0; k < keys.length; k++) {
        var member = Object.getOwnPropertyDescriptor(value, keys[k]);
        if (member && 'value' in member) freezeDeep(member.value);
      }
    }
  }
  freezeDeep(Object.getPrototypeOf(Function('')));
}

export function snapshotGlobals(global: any): GlobalSnapshot {
  var names = Object.getOwnPropertyNames(global);
  var descriptors: { [key: string]: PropertyDescriptor } = {};
  for (var i = 0; i < names.length; i++) {
    descriptors['$' + names[i]] = Object.getOwnPropertyDescriptor(global, names[i]) as PropertyDescriptor;
  }
  return { names: names, descriptors: descriptors };
}

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable;
}

// Removes globals a call added and puts back the ones it replaced.
export function restoreGlobals(global: any, before: GlobalSnapshot): void {
  var now = Object.getOwnPropertyNames(global);
  for (var i = 0; i < now.length; i++) {
    var name = now[i];
    var old = before.descriptors['$' + name];
    var current = Object.getOwnPropertyDescriptor(global, name) as PropertyDescriptor;
    if (!old) {
      if (!delete global[name] && current.writable) global[name] = undefined;
    } else if (!sameDescriptor(old, current)) {
      if (current.configurable) Object.defineProperty(global, name, old);
      else if (current.writable) global[name] = old.value;
    }
  }
  for (var j = 0; j < before.names.length; j++) {
    var gone = before.names[j];
    if (!Object.prototype.hasOwnProperty.call(global, gone)) {
      Object.defineProperty(global, gone, before.descriptors['$' + gone]);
    }
  }
}
