// npm test runs this first: no import in src/ may point up a floor (src/build/layers.ts).
import { fileURLToPath } from 'node:url';
import { layerViolations } from '../src/build/layers.js';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const violations = layerViolations(src);
for (const v of violations) console.error(`${v.file}: imports ${v.imports}: ${v.why}`);
if (violations.length > 0) {
  console.error(`error: ${violations.length} imports point up a floor; see src/build/layers.ts`);
  process.exit(1);
}
console.log('layers: every import in src/ points to its own floor or lower');
