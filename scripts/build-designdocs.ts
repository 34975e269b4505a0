// npm run build (second step): designdocs/ -> dist/designdocs/<database>/<ddoc>.json
import { buildDesignDocs, writeDesignDocs } from '../src/build/designdocs.js';
import { compiledDesignDocs, designDocSources } from '../src/paths.js';
import { fail } from '../src/cli.js';

try {
  for (const file of writeDesignDocs(await buildDesignDocs(designDocSources), compiledDesignDocs)) console.log(`built ${file}`);
} catch (err) {
  fail(err);
}
