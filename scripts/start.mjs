// `npm start`: the Electron tray app where the Electron binary exists (downloading it on first
// run, as electron ≥ 45 does lazily); where it is missing and cannot be downloaded, say so in one
// line and run the headless `headroom serve` instead, printing the dashboard URL.
// Extra arguments go to the app / serve: `npm start -- --demo`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, never URL.pathname: that gives `/C:/Users/...` on Windows and `%20` for a space.
const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');
const args = process.argv.slice(2);

function electronBinary() {
  if (!existsSync(join(electronDir, 'package.json'))) return null;
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist');
  const bin = join(dist, readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

let bin = electronBinary();
let why = '';
if (!bin && existsSync(join(electronDir, 'install.js')) && process.env.HEADROOM_NO_ELECTRON_DOWNLOAD !== '1') {
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000, encoding: 'utf8' });
  bin = electronBinary();
  if (!bin) why = (r.stderr || '').split('\n').find((l) => /error/i.test(l))?.trim().slice(0, 160) ?? `exit ${r.status}`;
}

if (bin && existsSync(join(root, 'dist/electron/main.js'))) {
  const child = spawn(bin, [root, ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron binary not installed${why ? ` (download failed: ${why})` : ''}: running the headless dashboard (headroom serve) instead.`);
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', ...args], { stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
