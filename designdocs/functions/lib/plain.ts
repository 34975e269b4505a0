// A function's result as plain JSON data of the show's own, taken while the
// customer's code may still run (getters, toJSON) and before anything else
// reads it. Values JSON cannot carry (functions, symbols, cycles, NaN) are
// refused rather than silently dropped, so every engine answers alike.
import { indexOf, isArray, objectKeys, push, setOwn, StringCtor, unwrapped } from './intrinsics';

var MAX_DEPTH = 64;

export interface Plain { value?: unknown; problem?: string }

/** What a value is, in a few words, for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'the number ' + StringCtor(value);
  if (typeof value === 'boolean') return StringCtor(value);
  return 'a ' + typeof value;
}

// Where a value is, as `callflow.data.list[2]`: built only for a message,
// from the names on the way down (`names` holds one per level of `stack`).
function where(names: string[], isIndex: boolean[]): string {
  var at = 'callflow';
  for (var i = 0; i < names.length; i++) at += isIndex[i] ? '[' + names[i] + ']' : '.' + names[i];
  return at;
}

function copy(value: any, key: string, stack: any[], names: string[], isIndex: boolean[]): Plain {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON(key);
  if (value !== null && typeof value === 'object') value = unwrapped(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return { value: value };
  if (typeof value === 'number') {
    return value - value === 0 ? { value: value } : { problem: where(names, isIndex) + ' is ' + StringCtor(value) + ', which JSON cannot carry' };
  }
  if (typeof value !== 'object') return { problem: where(names, isIndex) + ' is ' + describe(value) + ': a callflow holds only JSON data' };
  if (indexOf(stack, value) >= 0) return { problem: where(names, isIndex) + ' refers back to itself: a callflow cannot be cyclic' };
  if (stack.length >= MAX_DEPTH) return { problem: where(names, isIndex) + ' is nested deeper than ' + MAX_DEPTH + ' levels' };
  push(stack, value);
  var out: any = isArray(value) ? [] : {};
  var keys = isArray(value) ? null : objectKeys(value);
  var count = keys ? keys.length : value.length;
  for (var i = 0; i < count; i++) {
    var name = keys ? keys[i] : StringCtor(i);
    push(names, name);
    push(isIndex, !keys);
    var item = copy(value[name], name, stack, names, isIndex);
    if (item.problem) return item;
    names.length = names.length - 1;
    isIndex.length = isIndex.length - 1;
    if (!keys) out[i] = item.value === undefined ? null : item.value;
    else if (item.value !== undefined) setOwn(out, name, item.value);
  }
  stack.length = stack.length - 1;
  return { value: out };
}

/** The result as plain data, or what keeps it from being JSON. */
export function plainResult(value: unknown): Plain {
  return copy(value, '', [], [], []);
}
