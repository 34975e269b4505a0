// The few built-ins the show's own code calls, taken once when the design
// doc's code is first evaluated: before any customer code has run in this JS
// process, and never looked up by name again, whatever a call does later.
var call = Function.prototype.call;

// f(thisArg, a, b) === thisArg.f(a, b), with nothing looked up at call time.
function uncurry(fn: Function): any {
  return call.bind(fn);
}

export var FunctionCtor = Function;
export var StringCtor = String;
export var ErrorCtor = Error;
export var TypeErrorCtor = TypeError;
export var errorCtors: { [name: string]: any } = {
  Error: Error, TypeError: TypeError, SyntaxError: SyntaxError, RangeError: RangeError,
  ReferenceError: ReferenceError, EvalError: EvalError, URIError: URIError
};
export var freeze = Object.freeze;
export var isFrozen = Object.isFrozen;
export var isExtensible = Object.isExtensible;
export var getPrototypeOf = Object.getPrototypeOf;
export var getOwnPropertyNames = Object.getOwnPropertyNames;
export var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export var defineProperty = Object.defineProperty;
export var objectKeys = Object.keys;
export var isArray = Array.isArray;
export var decodeURIComponentRef = decodeURIComponent;
export var encodeURIComponentRef = encodeURIComponent;
// On CouchDB these belong to the query server's realm: only the show calls
// them, customer code gets lib/json's.
export var nativeParse = JSON.parse;
export var nativeStringify = JSON.stringify;
export var apply = uncurry(Function.prototype.apply);
export var hasOwn = uncurry(Object.prototype.hasOwnProperty);
export var tagOf = uncurry(Object.prototype.toString);
export var push = uncurry(Array.prototype.push);
export var indexOf = uncurry(Array.prototype.indexOf);
export var regExpExec = uncurry(RegExp.prototype.exec);

/** A Number, String or Boolean wrapper object as its primitive, as JSON.stringify does. */
export function unwrapped(value: any): any {
  var tag = tagOf(value);
  if (tag === '[object Number]' || tag === '[object String]' || tag === '[object Boolean]') return value.valueOf();
  return value;
}

/** Sets an own data property, even one named __proto__. */
export function defineOwn(target: any, key: string, value: unknown): void {
  defineProperty(target, key, { value: value, writable: true, enumerable: true, configurable: true });
}

/** defineOwn, by plain assignment where that does the same (the key is the
 * object's own, or not inherited): five times cheaper in an interpreter. */
export function setOwn(target: any, key: string, value: unknown): void {
  if (key in target && !hasOwn(target, key)) defineOwn(target, key, value);
  else target[key] = value;
}
