// Runs fake LLM servers in their own process (so their CPU is not counted in the tick),
// prints one JSON line {"ollama": url, "vllm": url, ...} and serves until killed.
import { startFakeBackend } from '../e2e/fakes/backends/fake-backends';
import type { BackendKind } from '../shared/model/snapshot';

const kinds: BackendKind[] = ['ollama', 'vllm', 'llamacpp', 'lmstudio'];
const servers = await Promise.all(kinds.map((k) => startFakeBackend(k)));
process.stdout.write(`${JSON.stringify(Object.fromEntries(servers.map((s) => [s.kind, s.url])))}\n`);
process.on('SIGTERM', () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
