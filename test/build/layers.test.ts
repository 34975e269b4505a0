// The import graph points down only; the checker itself must see a violation.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerViolations } from '../../src/build/layers.js';

test('no import in src/ points up a floor', (t) => {
  t.deepEqual(layerViolations(fileURLToPath(new URL('../../../src', import.meta.url))), []);
});

test('a store importing HTTP, an unknown folder and the SDK importing the app are all reported', (t) => {
  const src = mkdtempSync(join(tmpdir(), 'couchfn-layers-'));
  t.teardown(() => rmSync(src, { recursive: true, force: true }));
  for (const dir of ['functions', 'http', 'client', 'app', 'misc']) mkdirSync(join(src, dir));
  writeFileSync(join(src, 'http', 'errors.ts'), 'export const x = 1;\n');
  writeFileSync(join(src, 'app', 'api.ts'), 'export const y = 1;\n');
  writeFileSync(join(src, 'misc', 'z.ts'), 'export const z = 1;\n');
  writeFileSync(join(src, 'functions', 'store.ts'), "import { x } from '../http/errors.js';\nimport type {\n  z\n} from '../misc/z.js';\nimport { readFileSync } from 'node:fs';\n");
  writeFileSync(join(src, 'client', 'index.ts'), "export { y } from '../app/api.js';\n");
  const found = layerViolations(src).map((v) => `${v.file} ${v.why}`).sort();
  t.deepEqual(found, [
    'client/index.ts client stands alone',
    'functions/store.ts functions (floor 2) imports http (floor 3)',
    'functions/store.ts misc has no floor in src/build/layers.ts'
  ]);
});
