// npm run build (last step): console/ -> dist/console (app.js, app.css,
// index.html), one bundle with its libraries inside: nothing is fetched from
// another origin at run time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../src/paths.js';
import { fail } from '../src/cli.js';

const source = resolve(packageRoot, 'console');
const out = resolve(packageRoot, 'dist/console');
try {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [resolve(source, 'src/main.tsx')], outfile: resolve(out, 'app.js'), bundle: true, minify: true, format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'], jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none', logLevel: 'warning'
  });
  copyFileSync(resolve(source, 'style.css'), resolve(out, 'app.css'));
  copyFileSync(resolve(source, 'index.html'), resolve(out, 'index.html'));
  console.log('built dist/console');
} catch (err) {
  fail(err);
}
