// The web console (console/, bundled into dist/console by npm run build),
// served on the API's own port at /console/ with a strict Content Security
// Policy: scripts and styles only from this origin, no inline code, no
// frames, requests only to this origin. The console holds no secret in a
// URL: it signs in with a key typed into a form and keeps the token in the
// tab's sessionStorage.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import { packageRoot } from '../paths.js';

export const CONSOLE_PATH = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.map': 'application/json'
};

// The editor (CodeMirror) writes its theme into <style> elements: those carry
// a nonce made for each page load, which the page hands to the editor; no
// other inline style or script can run.
function policy(nonce: string): string {
  return [
    "default-src 'none'", "script-src 'self'", `style-src 'self' 'nonce-${nonce}'`, "img-src 'self' data:", "connect-src 'self'",
    "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"
  ].join('; ');
}

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache'
};

/** The built files, read once: a handful of small files, served from memory. */
function builtFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) files.set(name, readFileSync(join(dir, name)));
  return files;
}

export function consoleSite(app: FastifyInstance, dir = join(packageRoot, 'dist/console')): void {
  const files = builtFiles(dir);
  const hidden = { hide: true } as FastifySchema;
  app.get('/', { config: { auth: 'none' }, schema: hidden }, async (_request, reply) => reply.redirect(CONSOLE_PATH));
  // the API ignores trailing slashes: /console/ arrives as /console
  app.get('/console', { config: { auth: 'none' }, schema: hidden }, async (_request, reply) => serve(reply, 'index.html'));
  app.get('/console/*', { config: { auth: 'none' }, schema: hidden }, async (request, reply) => serve(reply, (request.params as { '*': string })['*'] || 'index.html'));

  function serve(reply: FastifyReply, name: string) {
    const file = files.get(name);
    const nonce = randomBytes(16).toString('base64');
    void reply.headers({ ...HEADERS, 'content-security-policy': policy(nonce) });
    if (!file) {
      return reply.code(404).type('text/plain; charset=utf-8')
        .send(files.size === 0 ? 'the console is not built: run npm run build' : 'not found');
    }
    if (name === 'index.html') return reply.type(TYPES['.html']).send(file.toString('utf8').replace('{{CSP_NONCE}}', nonce));
    return reply.type(TYPES[extname(name)]).send(file);
  }
}
