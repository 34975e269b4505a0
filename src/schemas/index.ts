// The JSON Schemas: one definition for the API's validation and for the
// design documents' validate_doc_update. Those whose fields the API reads by
// name are TypeScript `as const`, so request types come from them; the others
// are JSON, whose fields the API takes as a bag (it knows them as objects).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageRoot } from '../paths.js';

export { functionVersionSchema } from './function-version.js';
export { installationSchema } from './installation.js';
export { oauthClientSchema } from './oauth-client.js';

/** A schema of an object read from JSON: its other keywords are known only when the program runs. */
export interface ObjectSchema { readonly $id: string; readonly type: 'object' }

function load(name: string): ObjectSchema {
  return JSON.parse(readFileSync(resolve(packageRoot, `src/schemas/${name}.json`), 'utf8'));
}

export const functionSchema = load('function');
export const accountSchema = load('account');
export const storageSchema = load('storage');
export const webhookSchema = load('webhook');

/** Kazoo's ids (accounts, functions, clients): 32 lowercase hex characters. */
export const KAZOO_ID_PATTERN = '^[0-9a-f]{32}$';
export const kazooId = { type: 'string', pattern: KAZOO_ID_PATTERN } as const;
export const isKazooId = (id: string) => new RegExp(KAZOO_ID_PATTERN).test(id);
