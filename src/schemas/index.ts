// The JSON Schemas: one definition for the API's validation and for the
// design documents' validate_doc_update.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageRoot } from '../paths.js';

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(resolve(packageRoot, `src/schemas/${name}.json`), 'utf8'));
}

export const functionSchema = load('function');
export const accountSchema = load('account');
export const storageSchema = load('storage');
export const oauthClientSchema = load('oauth_client');
export const webhookSchema = load('webhook');
export const functionVersionSchema = load('function_version');
export const installationSchema = load('installation');

/** Kazoo's ids (accounts, functions, clients): 32 lowercase hex characters. */
export const KAZOO_ID_PATTERN = '^[0-9a-f]{32}$';
export const kazooId = { type: 'string', pattern: KAZOO_ID_PATTERN } as const;
export const isKazooId = (id: string) => new RegExp(KAZOO_ID_PATTERN).test(id);
