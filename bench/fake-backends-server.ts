// Runs fake LLM servers in their own process (so their CPU is not counted in the tick),
// prints one JSON line {"ollama": url, "vllm": url, ..., "many": {"ollama": [url, ...], ...}}
// and serves until killed. `--per-kind N` starts N servers of each kind (cost-growth tables).
import { startFakeBackend } from '../e2e/fakes/backends/fake-backends';
import type { BackendKind } from '../shared/model/snapshot';

const kinds: BackendKind[] = ['ollama', 'vllm', 'llamacpp', 'lmstudio'];
const at = process.argv.indexOf('--per-kind');
const perKind = at >= 0 ? Math.max(1, Math.min(32, Number(process.argv[at + 1]) || 1)) : 1;
const servers = await Promise.all(kinds.flatMap((k) => Array.from({ length: perKind }, () => startFakeBackend(k))));
const many = Object.fromEntries(kinds.map((k) => [k, servers.filter((s) => s.kind === k).map((s) => s.url)]));
const first = Object.fromEntries(kinds.map((k) => [k, many[k]![0]]));
process.stdout.write(`${JSON.stringify({ ...first, many })}\n`);
process.on('SIGTERM', () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
