// npm run build (second step): designdocs/ -> dist/designdocs/<database>/<ddoc>.json
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildDesignDocs, writeDesignDocs } from '../src/build/designdocs.js';
import { compiledDesignDocs, designDocSources, packageRoot } from '../src/paths.js';
import { fail } from '../src/cli.js';

try {
  for (const file of writeDesignDocs(await buildDesignDocs(designDocSources), compiledDesignDocs)) console.log(`built ${file}`);
  // npm start compares its sources with this to build only when they changed
  writeFileSync(resolve(packageRoot, 'dist/.built'), `${new Date().toISOString()}\n`);
} catch (err) {
  fail(err);
}
