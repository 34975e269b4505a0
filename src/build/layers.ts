// The floors of src/, top to bottom. An import may point to its own floor or
// lower, never up: assembly on top, HTTP above the domain, the domain above
// CouchDB and the embedded server, and a kernel of plain modules below all.
// The client SDK stands alone.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const FLOORS: Record<string, number> = {
  app: 5, bench: 5,
  resources: 4,
  http: 3,
  accounts: 2, auth: 2, functions: 2, invoke: 2, storage: 2, catalog: 2, events: 2, gateway: 2, globals: 2,
  couch: 1, embedded: 1, build: 1,
  schemas: 0, 'errors.ts': 0, 'config.ts': 0, 'paths.ts': 0, 'version.ts': 0, 'cli.ts': 0
};
const ALONE = new Set(['client']);

export interface Violation { file: string; imports: string; why: string }

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The top-level part of src/ a path belongs to: a folder, or a file directly in src/. */
function part(srcDir: string, path: string): string {
  return relative(srcDir, path).split(sep)[0];
}

export function layerViolations(srcDir: string): Violation[] {
  const root = resolve(srcDir);
  const violations: Violation[] = [];
  for (const file of sources(root)) {
    const from = part(root, file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.startsWith(root + sep)) continue;
      const to = part(root, target);
      if (to === from) continue;
      const where = { file: relative(root, file), imports: spec };
      if (ALONE.has(from) || ALONE.has(to)) violations.push({ ...where, why: `${ALONE.has(from) ? from : to} stands alone` });
      else if (FLOORS[from] === undefined || FLOORS[to] === undefined) violations.push({ ...where, why: `${FLOORS[from] === undefined ? from : to} has no floor in src/build/layers.ts` });
      else if (FLOORS[to] > FLOORS[from]) violations.push({ ...where, why: `${from} (floor ${FLOORS[from]}) imports ${to} (floor ${FLOORS[to]})` });
    }
  }
  return violations;
}
