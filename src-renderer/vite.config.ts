import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

const isChartChunk = (c: { isEntry: boolean; moduleIds: readonly string[] }) => !c.isEntry && c.moduleIds.some((id) => /[\\/]node_modules[\\/]chart\.js[\\/]/.test(id));

/**
 * chart.js is imported on demand (src-renderer/charts/chart-lib.ts): the entry script is a third
 * smaller and the page's first requests and first render start sooner. Its chunk starts with V8's
 * explicit compile hint (`//# allFunctionsCalledOnLoad`): its functions are compiled on a
 * background thread while it streams in, not one by one on the main thread during the first
 * chart's draw (measured: the first timeline's creation 40 → 24 ms). The chunk is not preloaded
 * by index.html: measured on the 2-core bench machine, compiling it beside the entry script slowed
 * the entry more than the preload saved.
 */
function chartCompileHint(): Plugin {
  return {
    name: 'headroom-chart-compile-hint',
    apply: 'build',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        let found = false;
        for (const c of Object.values(bundle)) {
          if (c.type !== 'chunk' || !isChartChunk(c)) continue;
          found = true;
          c.code = `//# allFunctionsCalledOnLoad\n${c.code}`;
          if (c.map) c.map.mappings = `;${c.map.mappings}`;
        }
        if (!found) this.error('no chunk holds chart.js on its own (is it still imported on demand, by src-renderer/charts/chart-lib.ts?)');
      },
    },
  };
}

/**
 * Stores a brotli and a gzip copy beside each script, style sheet and SVG of the build
 * (`x.js.br`, `x.js.gz`), which `headroom serve` sends to browsers that accept them
 * (src-main/server/static.ts): a dashboard opened from another machine downloads about a third of
 * the bytes (the entry script 279 → ~75 KiB) and the server compresses nothing per request.
 * The Electron app reads files from disk and leaves the copies out (electron-builder.yml).
 */
function precompress(): Plugin {
  return {
    name: 'headroom-precompress',
    apply: 'build',
    writeBundle: {
      order: 'post',
      handler(options) {
        const out = options.dir!;
        const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
        for (const file of walk(out)) {
          // index.html is rewritten per server (its CSRF token): never stored compressed.
          if (!/\.(js|css|svg)$/.test(file) || statSync(file).size < 1024) continue;
          const raw = readFileSync(file);
          writeFileSync(`${file}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
          writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
        }
      },
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), chartCompileHint(), precompress()],
  build: {
    outDir: `${here}../dist/renderer`,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
});
