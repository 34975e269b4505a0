// Where the project's own files are, wherever it is installed or run from.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// dist/src/paths.js -> the package root
export const packageRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const designDocSources = resolve(packageRoot, 'designdocs');
export const compiledDesignDocs = resolve(packageRoot, 'dist/designdocs');
