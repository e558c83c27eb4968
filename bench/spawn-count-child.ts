/**
 * Child of bench/spawn-count.ts: pretends to be `process.platform` = argv[2] (win32, linux,
 * darwin), counts every child process started through node:child_process (Headroom's own and
 * systeminformation's), runs the real core (createCore) at a 1 s interval against the fakes,
 * and prints one JSON line: the spawns during start-up and during the steady window.
 * Usage: spawn-count-child.ts <platform> <windowMs> <fakeUrlsJson> <fakeSmiPath>
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

const [setup, windowArg, urlsJson, fakeSmi] = process.argv.slice(2) as [string, string, string, string];
// `linux-amd`: Linux with AMD's tool instead of NVIDIA's.
const platform = setup.replace(/-.*$/, '') as NodeJS.Platform;
const windowMs = Number(windowArg);
const startedAt = Date.now();
const spawns: { atMs: number; fn: string; file: string; isStream: boolean }[] = [];

// 1. The platform, before any module that reads it is loaded (systeminformation reads it at load).
Object.defineProperty(process, 'platform', { value: platform });
if (platform === 'darwin') Object.defineProperty(process, 'arch', { value: 'arm64' });

// 2. A counter around every way to start a process; named ESM imports follow the CJS object.
const require = createRequire(import.meta.url);
let depth = 0;
const cp = require('node:child_process') as Record<string, (...a: unknown[]) => unknown>;
for (const fn of ['spawn', 'execFile', 'exec', 'fork', 'spawnSync', 'execFileSync', 'execSync']) {
  const original = cp[fn]!;
  cp[fn] = function counted(this: unknown, ...a: unknown[]) {
    // exec() calls execFile() through the module's exports: count the outer call only.
    if (depth > 0) return original.apply(this, a);
    // exec takes a shell line: its first word is the program.
    const program = (fn === 'exec' || fn === 'execSync' ? String(a[0]).trim().split(/\s+/)[0] : String(a[0])) ?? '';
    const args = Array.isArray(a[1]) ? (a[1] as unknown[]).map(String) : [];
    spawns.push({ atMs: Date.now() - startedAt, fn, file: program.split(/[\\/]/).pop()!.slice(0, 40), isStream: args.includes('-lms') || args.includes('-si') });
    depth += 1;
    try {
      return original.apply(this, a);
    } finally {
      depth -= 1;
    }
  };
}
syncBuiltinESMExports();

// 3. The real core, loaded only now.
const { createCore } = await import('../src-main/create-core');
const { silentLogger } = await import('../src-main/util/logger');
const urls = JSON.parse(urlsJson) as Record<'ollama' | 'vllm' | 'llamacpp' | 'lmstudio', string>;
const core = await createCore({
  intervalMs: 1000,
  demo: false,
  discover: false,
  backends: (['ollama', 'vllm', 'llamacpp', 'lmstudio'] as const).map((kind) => ({ kind, url: urls[kind] })),
  // NVIDIA on Linux and Windows; AMD (fake amd-smi on PATH) on linux-amd; Apple (fake sysctl on PATH) on darwin.
  nvidiaSmiPath: platform === 'darwin' || setup === 'linux-amd' ? null : fakeSmi,
  warningPct: 80,
  criticalPct: 90,
  logger: silentLogger,
  dataDir: null,
});
const warmUpMs = 6_000;
await new Promise((r) => setTimeout(r, warmUpMs));
const startup = spawns.length;
await new Promise((r) => setTimeout(r, windowMs));
const steady = spawns.slice(startup);
const ticks = windowMs / 1000;
process.stdout.write(`${JSON.stringify({ platform: setup, startup: spawns.slice(0, startup), steady, ticks })}\n`);
await core.dispose();
process.exit(0);
