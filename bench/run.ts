/**
 * `npm run bench`: runs each benchmark module in turn and prints its lines (each figure next to
 * its target). Not part of `npm test`. A module exports `async () => ({ lines: string[] })`;
 * add yours to the list below. HEADROOM_BENCH_QUICK=1 shortens the long measurements.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './serve-harness';

const modules: ReadonlyArray<readonly [path: string, exportName: string]> = [
  ['bench/serve-cost.ts', 'benchServeCost'],
  ['bench/serve-steady.ts', 'benchServeSteady'],
  ['bench/spawn-count.ts', 'benchSpawnCount'],
  ['bench/tick-in-process.ts', 'benchTickInProcess'],
  ['bench/gpu-stream.ts', 'benchGpuStream'],
  ['bench/forecast.ts', 'benchForecast'],
  ['bench/electron-cost.ts', 'benchElectronCost'],
  ['bench/windows-counters.ts', 'benchWindowsCounters'],
  ['bench/dashboard.ts', 'benchDashboard'],
  ['bench/context-probe.ts', 'benchProbe'],
  ['bench/serve-rss.ts', 'benchServeRss'],
  ['bench/hostile-soak.ts', 'benchHostileSoak'],
  ['bench/history.ts', 'benchHistory'],
  ['bench/server-load.ts', 'benchServerLoad'],
  ['bench/fleet.ts', 'benchFleet'],
];

async function runModule(path: string, exportName: string): Promise<string | null> {
  if (!existsSync(join(root, path))) return null;
  try {
    const mod = (await import(join(root, path))) as Record<string, () => Promise<{ lines: string[] }>>;
    const fn = mod[exportName];
    if (!fn) return `${path}: no export named ${exportName}`;
    return (await fn()).lines.join('\n');
  } catch (error) {
    return `${path}: failed: ${(error as Error).message}`;
  }
}

async function main() {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('run "npm run build" first');
  console.log('Headroom benchmarks\n');
  for (const [path, name] of modules) {
    const out = await runModule(path, name);
    if (out) console.log(out);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
