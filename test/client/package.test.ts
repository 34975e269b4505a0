// @couchfn/client as a package of its own: no runtime dependencies, ESM and
// CommonJS, couchfn/client still the same thing, an engines field it keeps,
// and a browser build that runs where Node's globals are missing.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import * as esm from '@couchfn/client';
import { Client as rootClient } from 'couchfn/client';

const packageDir = fileURLToPath(new URL('../../../packages/client/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8'));

test('no runtime dependencies; engines names the Node it needs (fetch, AbortSignal.any)', (t) => {
  t.is(manifest.name, '@couchfn/client');
  t.is(manifest.dependencies, undefined);
  t.is(manifest.engines.node, '>=20.3');
  const [major, minor] = process.versions.node.split('.').map(Number);
  t.true(major > 20 || (major === 20 && minor >= 3));
  t.is(typeof AbortSignal.any, 'function');
});

test('ESM, CommonJS and couchfn/client give the client', (t) => {
  const cjs = createRequire(import.meta.url)('@couchfn/client');
  t.is(typeof cjs.Client, 'function');
  t.is(typeof cjs.FunctionError, 'function');
  t.is(typeof esm.Client, 'function');
  t.is(rootClient, esm.Client, 'couchfn/client is the package itself');
  t.is(typeof createRequire(import.meta.url)('couchfn/client').Client, 'function');
});

/** The client bundled for a browser, run in a context holding only what browsers have. */
async function inBrowser(fetchStub: (url: string, init: RequestInit) => Promise<Response>) {
  const out = await build({ entryPoints: [`${packageDir}dist/esm/index.js`], bundle: true, write: false, platform: 'browser', format: 'iife', globalName: 'couchfnClient', logLevel: 'silent' });
  const globals = {
    fetch: fetchStub, URL, URLSearchParams, AbortSignal, AbortController, TextEncoder, TextDecoder, atob, btoa, performance,
    setTimeout, clearTimeout, Promise, JSON, console, Response
  };
  const context: Record<string, any> = { ...globals };
  runInNewContext(`${out.outputFiles[0].text};globalThis.couchfnClient = couchfnClient;`, context);
  t_assertNoNode(context);
  return context.couchfnClient as typeof esm;
}
function t_assertNoNode(context: Record<string, unknown>) {
  if ('Buffer' in context || 'process' in context || 'require' in context) throw new Error('the browser context has Node globals');
}

test('in a browser (no Buffer, no process): client credentials, an invoke, and a 2xx that is not JSON as a typed error', async (t) => {
  const seen: { url: string; authorization?: string }[] = [];
  const browser = await inBrowser(async (url, init) => {
    const authorization = (init.headers as Record<string, string>).authorization;
    seen.push({ url, authorization });
    if (url.endsWith('/oauth/token')) {
      return new Response(JSON.stringify({ access_token: 'a.eyJleHAiOjk5OTk5OTk5OTl9.s', expires_in: 900 }), { status: 200 });
    }
    if (url.includes('/functions/f1/')) return new Response(JSON.stringify({ data: { module: 'tts', data: { text: 'hi' } }, request_id: 'r1' }), { status: 200 });
    return new Response('<html>a captive portal</html>', { status: 200, headers: { 'content-type': 'text/html' } });
  });
  const client = new browser.Client({ baseUrl: 'https://fn.example.com', accountId: 'acc', auth: { clientId: 'id:1', clientSecret: 'sécret' } });
  t.deepEqual(await client.invoke({ functionId: 'f1', call: {} }), { module: 'tts', data: { text: 'hi' } });
  const basic = seen[0].authorization!.replace('Basic ', '');
  t.is(new TextDecoder().decode(Uint8Array.from(atob(basic), (c) => c.charCodeAt(0))), 'id%3A1:s%C3%A9cret');
  t.is(seen[1].authorization, 'Bearer a.eyJleHAiOjk5OTk5OTk5OTl9.s');
  const err = await t.throwsAsync(client.invoke({ functionId: 'f2', call: {} }));
  t.true(err instanceof browser.CouchfnError);
  t.is((err as esm.CouchfnError).code, 'invalid_response');
  t.is((err as esm.CouchfnError).status, 200);
});
