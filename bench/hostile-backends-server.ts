// Hostile fake LLM servers for the soak (bench/hostile-soak.ts), in their own process so their
// CPU and memory are not the server's. Prints one JSON line {"servers":[{kind,url}]}, then every
// second {"responses":N,"hostile":M}; serves until SIGTERM.
//   argv: <seed> <servers per kind>
import { startHostileBackend, type HostileServer } from '../e2e/fakes/backends/hostile-backend';
import { backendKindSchema } from '../shared/model/snapshot';

const seed = Number(process.argv[2] ?? 1);
const perKind = Number(process.argv[3] ?? 1);
const servers: HostileServer[] = [];
for (const kind of backendKindSchema.options) {
  for (let i = 0; i < perKind; i++) servers.push(await startHostileBackend(kind, { seed: seed + servers.length }));
}
process.stdout.write(`${JSON.stringify({ servers: servers.map((s) => ({ kind: s.kind, url: s.url })) })}\n`);
const report = setInterval(() => {
  const responses = servers.reduce((n, s) => n + s.responses, 0);
  const hostile = servers.reduce((n, s) => n + Object.entries(s.counts).reduce((m, [k, v]) => m + (k === 'fixture' ? 0 : v), 0), 0);
  process.stdout.write(`${JSON.stringify({ responses, hostile })}\n`);
}, 1000);
process.on('SIGTERM', () => {
  clearInterval(report);
  void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
});
