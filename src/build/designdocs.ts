// Compiles designdocs/<ddoc>/ (TypeScript) into CouchDB design documents whose
// functions are ES5 source strings, and refuses anything an ES5 engine
// (CouchDB 2.x SpiderMonkey 1.8.5) could not run.
import { build, type Plugin } from 'esbuild';
import { parse } from 'acorn';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { functionSchema } from '../schemas/index.js';
import { validatorSource } from './validator.js';

export interface DesignDoc {
  _id: string;
  language: 'javascript';
  shows?: Record<string, string>;
  views?: Record<string, { map: string; reduce?: string }>;
  validate_doc_update?: string;
  [key: string]: unknown;
}
export interface BuiltDesignDoc { database: string; doc: DesignDoc }

// Library calls that are not ES5: they would fail at run time on older
// engines although the syntax parses.
export const NOT_ES5_GLOBALS = new Set(['Symbol', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'globalThis']);
export const NOT_ES5_MEMBERS = new Set([
  'getOwnPropertyDescriptors', 'assign', 'setPrototypeOf', 'getOwnPropertySymbols', 'fromEntries', 'entries',
  'values', 'from', 'includes', 'startsWith', 'endsWith', 'padStart', 'padEnd', 'repeat', 'find', 'findIndex',
  'fill', 'flat', 'flatMap', 'trimStart', 'trimEnd'
]);

export class DesignDocBuildError extends Error {}

const validators: Plugin = {
  name: 'couchfn-validators',
  setup(b) {
    b.onResolve({ filter: /^couchfn:function-validator$/ }, (args) => ({ path: args.path, namespace: 'couchfn' }));
    b.onLoad({ filter: /.*/, namespace: 'couchfn' }, () => ({ contents: validatorSource(functionSchema), loader: 'js' }));
  }
};

async function bundle(file: string): Promise<string> {
  try {
    const out = await build({
      entryPoints: [file], bundle: true, write: false, format: 'esm',
      target: 'es5', platform: 'neutral', plugins: [validators], logLevel: 'silent', legalComments: 'none'
    });
    return out.outputFiles[0].text;
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
    if (!first) throw err;
    const at = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}` : file;
    throw new DesignDocBuildError(`${at}: ${first.text}`);
  }
}

function walk(node: unknown, visit: (node: any) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((child) => walk(child, visit));
  const n = node as { type?: string };
  if (typeof n.type === 'string') visit(n);
  for (const [key, value] of Object.entries(n)) if (key !== 'loc') walk(value, visit);
}

// Parses the function as ECMAScript 5 and looks for non-ES5 library calls.
export function checkEs5(source: string, origin: string): void {
  let ast;
  try {
    ast = parse(`(${source})`, { ecmaVersion: 5, locations: true });
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number; column: number } };
    throw new DesignDocBuildError(`${origin}: not ECMAScript 5 at compiled line ${e.loc?.line}, column ${(e.loc?.column ?? 0) + 1}: ${e.message}`);
  }
  walk(ast, (node) => {
    const flags = (node.type === 'NewExpression' || node.type === 'CallExpression') && node.callee.name === 'RegExp'
      ? node.arguments[1]?.value : undefined;
    const used = node.type === 'Identifier' && NOT_ES5_GLOBALS.has(node.name) ? node.name
      : node.type === 'MemberExpression' && !node.computed && NOT_ES5_MEMBERS.has(node.property.name) ? `.${node.property.name}`
      : typeof flags === 'string' && /[^gim]/.test(flags) ? `RegExp flags "${flags}"`
      : null;
    if (used) throw new DesignDocBuildError(`${origin}: uses ${used} (not ES5) at compiled line ${node.loc.start.line}`);
  });
  try {
    if (typeof new Function(`return (${source})`)() !== 'function') throw new Error('does not evaluate to a function');
  } catch (err) {
    throw new DesignDocBuildError(`${origin}: does not compile: ${(err as Error).message}`);
  }
}

// One entry module -> the source CouchDB stores: an expression that runs the
// bundle once and evaluates to its default export, a function. A module whose default export is a string (a
// built-in reduce such as `_count`) is stored as is.
export async function compileEntry(file: string): Promise<string> {
  const code = await bundle(file);
  const exported = /export\s*\{\s*([\w$]+) as default\s*\};?\s*$/.exec(code);
  if (!exported) throw new DesignDocBuildError(`${file}: needs exactly one export, the default`);
  const body = `${code.slice(0, exported.index)}return ${exported[1]};`;
  const value = new Function(body)();
  if (typeof value === 'string') return value;
  // Evaluated once when CouchDB compiles it: the module code runs before any
  // call, so what it takes from the globals is taken before customer code runs.
  const source = `(function () {\n"use strict";\n${body}\n})()`;
  checkEs5(source, file);
  return source;
}

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort() : [];
}

export async function buildDesignDoc(dir: string): Promise<BuiltDesignDoc> {
  const { database } = JSON.parse(readFileSync(join(dir, 'ddoc.json'), 'utf8')) as { database: string };
  const doc: DesignDoc = { _id: `_design/${basename(dir)}`, language: 'javascript' };
  for (const file of entries(join(dir, 'shows'))) {
    doc.shows = { ...doc.shows, [basename(file, '.ts')]: await compileEntry(join(dir, 'shows', file)) };
  }
  const viewsDir = join(dir, 'views');
  for (const view of existsSync(viewsDir) ? readdirSync(viewsDir).sort() : []) {
    const parts = entries(join(viewsDir, view));
    const compiled: { map: string; reduce?: string } = { map: await compileEntry(join(viewsDir, view, 'map.ts')) };
    if (parts.includes('reduce.ts')) compiled.reduce = await compileEntry(join(viewsDir, view, 'reduce.ts'));
    doc.views = { ...doc.views, [view]: compiled };
  }
  if (existsSync(join(dir, 'validate_doc_update.ts'))) {
    doc.validate_doc_update = await compileEntry(join(dir, 'validate_doc_update.ts'));
  }
  return { database, doc };
}

export async function buildDesignDocs(sourceDir: string): Promise<BuiltDesignDoc[]> {
  const dirs = readdirSync(sourceDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(sourceDir, d.name, 'ddoc.json')))
    .map((d) => join(sourceDir, d.name));
  return Promise.all(dirs.map(buildDesignDoc));
}

export function writeDesignDocs(built: BuiltDesignDoc[], outDir: string): string[] {
  return built.map(({ database, doc }) => {
    mkdirSync(join(outDir, database), { recursive: true });
    const file = join(outDir, database, `${doc._id.slice('_design/'.length)}.json`);
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    return relative(process.cwd(), file);
  });
}

export function readDesignDocs(outDir: string): BuiltDesignDoc[] {
  if (!existsSync(outDir)) throw new Error(`no compiled design documents in ${outDir}: run npm run build`);
  return readdirSync(outDir).sort().flatMap((database) =>
    readdirSync(join(outDir, database)).filter((f) => f.endsWith('.json')).sort().map((f) => ({
      database, doc: JSON.parse(readFileSync(join(outDir, database, f), 'utf8')) as DesignDoc
    })));
}
