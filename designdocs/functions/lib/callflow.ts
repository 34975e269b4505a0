// Checks that a function's result (plain data by now) is a callflow node
// Kazoo can run: {module: string 1..64, data: object, children?: {key: node}}.
import { hasOwn, isArray } from './intrinsics';
import { describe } from './plain';

var MAX_DEPTH = 32;

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !isArray(value);
}

function hint(value: unknown): string {
  return value === undefined ? ' (did the function return a value?)' : '';
}

// Returns null when valid, else what is wrong and where.
export function callflowProblem(node: any, path?: string, depth?: number): string | null {
  var at = path || 'callflow';
  var level = depth || 0;
  if (level > MAX_DEPTH) return at + ' is nested deeper than ' + MAX_DEPTH + ' levels';
  if (!isObject(node)) return at + ' must be an object with module and data, got ' + describe(node) + hint(node);
  if (typeof node.module !== 'string' || node.module.length < 1 || node.module.length > 64) {
    return at + '.module must be a string of 1 to 64 characters, got ' + describe(node.module);
  }
  if (!isObject(node.data)) return at + '.data must be an object, got ' + describe(node.data);
  if (node.children === undefined) return null;
  if (!isObject(node.children)) return at + '.children must be an object of callflow nodes, got ' + describe(node.children);
  for (var key in node.children) {
    if (!hasOwn(node.children, key)) continue;
    var problem = callflowProblem(node.children[key], at + '.children.' + key, level + 1);
    if (problem) return problem;
  }
  return null;
}
