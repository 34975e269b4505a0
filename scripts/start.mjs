// npm start: builds only when a source is newer than the last build, then
// runs the service in this same process, so that SIGTERM or Ctrl-C reach it
// (npm runs this file directly; there is no shell in between to lose them).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const sources = ['src', 'scripts', 'designdocs', 'console', 'package.json', 'tsconfig.json'].map((p) => join(root, p)).filter(existsSync);
if (!existsSync(stamp) || sources.some((p) => newest(p) > statSync(stamp).mtimeMs)) {
  const built = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('error: the build failed (see above); nothing was started');
    process.exit(1);
  }
}
// tells the service it was started this way: it may then stop when its parent (npm) goes
process.env.COUCHFN_LAUNCHED_BY = 'npm start';
await import('../dist/scripts/start.js');
