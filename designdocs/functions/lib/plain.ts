// A function's result as plain JSON data of the show's own, taken while the
// customer's code may still run (getters, toJSON) and before anything else
// reads it. Values JSON cannot carry (functions, symbols, cycles, NaN) are
// refused rather than silently dropped, so every engine answers alike.
import { defineOwn, indexOf, isArray, objectKeys, push, StringCtor, unwrapped } from './intrinsics';

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

function copy(value: any, key: string, at: string, stack: any[]): Plain {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON(key);
  if (value !== null && typeof value === 'object') value = unwrapped(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return { value: value };
  if (typeof value === 'number') {
    return value - value === 0 ? { value: value } : { problem: at + ' is ' + StringCtor(value) + ', which JSON cannot carry' };
  }
  if (typeof value !== 'object') return { problem: at + ' is ' + describe(value) + ': a callflow holds only JSON data' };
  if (indexOf(stack, value) >= 0) return { problem: at + ' refers back to itself: a callflow cannot be cyclic' };
  if (stack.length >= MAX_DEPTH) return { problem: at + ' is nested deeper than ' + MAX_DEPTH + ' levels' };
  push(stack, value);
  var out: any = isArray(value) ? [] : {};
  var keys = isArray(value) ? null : objectKeys(value);
  var count = keys ? keys.length : value.length;
  for (var i = 0; i < count; i++) {
    var name = keys ? keys[i] : StringCtor(i);
    var item = copy(value[name], name, keys ? at + '.' + name : at + '[' + name + ']', stack);
    if (item.problem) return item;
    if (!keys) out[i] = item.value === undefined ? null : item.value;
    else if (item.value !== undefined) defineOwn(out, name, item.value);
  }
  stack.length = stack.length - 1;
  return { value: out };
}

/** The result as plain data, or what keeps it from being JSON. */
export function plainResult(value: unknown): Plain {
  return copy(value, '', 'callflow', []);
}
