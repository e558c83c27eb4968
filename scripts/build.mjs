// Builds everything `npm start`, `npm test` and `npx headroom` need:
//   dist/cli.js               the headroom CLI (Node, ESM bundle; npm packages stay external)
//   dist/electron/main.js     Electron main process (ESM; electron external)
//   dist/electron/preload.cjs sandboxed preload (CJS bundle: sandboxed preloads can only require electron)
//   dist/renderer/            the React dashboard (Vite)
import { build as esbuild } from 'esbuild';
import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';

// fileURLToPath, never URL.pathname: that gives `/C:/Users/...` on Windows and `%20` for a space.
const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
mkdirSync('dist', { recursive: true });

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', packages: 'external' };

await esbuild({
  ...common,
  entryPoints: ['src-main/cli/bin.ts'],
  outfile: 'dist/cli.js',
  format: 'esm',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);

if (existsSync('src-main/electron/main.ts')) {
  await esbuild({ ...common, entryPoints: ['src-main/electron/main.ts'], outfile: 'dist/electron/main.js', format: 'esm', external: ['electron'] });
}
if (existsSync('src-main/electron/preload.ts')) {
  await esbuild({ ...common, packages: undefined, entryPoints: ['src-main/electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] });
}

await viteBuild({ configFile: 'src-renderer/vite.config.ts', logLevel: 'warn' });
console.log('built dist/cli.js, dist/electron/, dist/renderer/');
