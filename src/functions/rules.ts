// What makes a function doc acceptable, beyond its schema: ES5 that parses
// (line and column of the first problem) and a size limit.
import { parse } from 'acorn';
import { NOT_ES5_GLOBALS, NOT_ES5_MEMBERS } from '../build/designdocs.js';
import { functionSchema } from '../schemas/index.js';
import { bodyAjv, fieldErrors } from '../schemas/validate.js';
import { validationError, type FieldErrors } from '../errors.js';

const { $id: _id, ...schema } = functionSchema;
const validateSchema = bodyAjv.compile(schema);

// ES2015+ features a function may reach for, and the ES5 way to write them.
const ES5_WAY: [test: (node: any) => boolean, what: string][] = [
  [(n) => n.type === 'VariableDeclaration' && n.kind !== 'var', '`let` and `const` are ES2015: declare with `var`'],
  [(n) => n.type === 'ArrowFunctionExpression', 'arrow functions are ES2015: write `function (x) { return ...; }`'],
  [(n) => n.type === 'TemplateLiteral', 'template literals are ES2015: join strings with `+`'],
  [(n) => n.type === 'ClassDeclaration' || n.type === 'ClassExpression', 'classes are ES2015: use a constructor function and its prototype'],
  [(n) => n.type === 'ObjectPattern' || n.type === 'ArrayPattern', 'destructuring is ES2015: read each property into its own `var`'],
  [(n) => n.type === 'SpreadElement' || n.type === 'RestElement', '`...` is ES2015: use `apply`, `concat` or `arguments`'],
  [(n) => n.type === 'AssignmentPattern', 'default parameters are ES2015: test for `undefined` in the body'],
  [(n) => n.type === 'ForOfStatement', '`for...of` is ES2015: loop with an index'],
  [(n) => (n.type === 'Property' && (n.shorthand || n.method)) || n.type === 'MethodDefinition', 'shorthand properties and methods are ES2015: write `key: value` and `key: function () {}`'],
  [(n) => n.type === 'Property' && n.computed, 'computed keys are ES2015: set `obj[key] = value` after creating the object'],
  [(n) => (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration') && (n.async || n.generator), 'async functions and generators are ES2015+: write plain functions'],
  [(n) => n.type === 'AwaitExpression' || n.type === 'YieldExpression', '`await` and `yield` are ES2015+: write plain functions'],
  [(n) => n.type === 'ChainExpression', '`?.` is ES2020: test each step, `a && a.b`'],
  [(n) => n.type === 'LogicalExpression' && n.operator === '??', '`??` is ES2020: write `a !== undefined && a !== null ? a : b`'],
  [(n) => n.type === 'Literal' && typeof n.bigint === 'string', 'BigInt literals are ES2020: use numbers']
];

/** A library call an ES5 engine (CouchDB 2.x SpiderMonkey) has not got, though the syntax parses. */
function modernLibrary(node: any): string | null {
  if (node.type === 'Identifier' && NOT_ES5_GLOBALS.has(node.name)) return `${node.name} is ES2015+: CouchDB 2.x engines have not got it`;
  const callee = node.type === 'CallExpression' ? node.callee : null;
  if (callee?.type === 'MemberExpression' && !callee.computed && NOT_ES5_MEMBERS.has(callee.property.name)) {
    return `.${callee.property.name}() is ES2015+: CouchDB 2.x engines have not got it; write it with ES5 methods (e.g. indexOf, a loop)`;
  }
  return null;
}

function firstModern(node: any): { node: any; what: string } | null {
  if (!node || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = firstModern(child);
      if (found) return found;
    }
    return null;
  }
  if (typeof node.type === 'string') {
    const hit = ES5_WAY.find(([is]) => is(node));
    if (hit) return { node, what: hit[1] };
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc') continue;
    const found = firstModern(value);
    if (found) return found;
  }
  return null;
}

function firstMatch(node: any, test: (node: any) => string | null): { node: any; what: string } | null {
  if (!node || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = firstMatch(child, test);
      if (found) return found;
    }
    return null;
  }
  const what = typeof node.type === 'string' ? test(node) : null;
  if (what) return { node, what };
  for (const [key, value] of Object.entries(node)) {
    // a property name is not a global: `obj.Map`, `{Set: 1}`
    if (key === 'loc' || (key === 'property' && node.type === 'MemberExpression' && !node.computed)
      || (key === 'key' && node.type === 'Property' && !node.computed)) continue;
    const found = firstMatch(value, test);
    if (found) return found;
  }
  return null;
}

/** The first ES5 problem in a function body, or null; for newer JavaScript it names the feature and the ES5 way. */
export function es5Problem(body: string): { line: number; column: number; message: string } | null {
  const options = { allowReturnOutsideFunction: true, sourceType: 'script', locations: true } as const;
  try {
    // exactly a function body: a script in which `return` is allowed
    const ast = parse(body, { ...options, ecmaVersion: 5 });
    const library = firstMatch(ast, modernLibrary);
    return library ? { line: library.node.loc.start.line, column: library.node.loc.start.column + 1, message: library.what } : null;
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number; column: number } };
    try {
      const modern = firstModern(parse(body, { ...options, ecmaVersion: 'latest' }));
      if (modern) return { line: modern.node.loc.start.line, column: modern.node.loc.start.column + 1, message: modern.what };
    } catch {
      // not valid in any version: acorn's own message says why
    }
    return { line: e.loc?.line ?? 1, column: (e.loc?.column ?? 0) + 1, message: e.message.replace(/\s*\(\d+:\d+\)$/, '') };
  }
}

/** Checks a whole function (public fields): the schema unless the route
 * already did, then the rules a schema cannot say; throws Kazoo's 400 listing every problem. */
export function checkFunction(fields: Record<string, unknown>, maxFunctionBytes: number, schemaChecked = false): void {
  const errors: FieldErrors = schemaChecked || validateSchema(fields) ? {} : fieldErrors(validateSchema.errors ?? []);
  const body = fields.function_js;
  if (typeof body === 'string' && !errors.function_js) {
    const problem = codeProblem(body, maxFunctionBytes);
    if (problem) errors.function_js = problem;
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
}

/** What is wrong with a function body (too large, not ES5), in Kazoo's rule shape, or null. */
function codeProblem(body: string, maxFunctionBytes: number): FieldErrors[string] | null {
  const bytes = Buffer.byteLength(body);
  if (bytes > maxFunctionBytes) return { maxLength: { message: `function_js is ${bytes} bytes; at most ${maxFunctionBytes} are allowed`, target: maxFunctionBytes } };
  const problem = es5Problem(body);
  if (problem) return { invalid: { message: `not valid ES5 at line ${problem.line}, column ${problem.column}: ${problem.message}`, line: problem.line, column: problem.column } };
  return null;
}

/** A version's code passes the same gate as any function's (its route schema checked the rest). */
export function checkVersionCode(body: string, maxFunctionBytes: number): void {
  const problem = codeProblem(body, maxFunctionBytes);
  if (problem) throw validationError({ function_js: problem });
}
