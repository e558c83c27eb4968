// Runs fake LLM servers in their own process (so their CPU is not counted in the tick),
// prints one JSON line {"ollama": url, ...} and serves until killed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServer } from '../e2e/fakes/fake-http';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fx = (p: string): unknown => JSON.parse(readFileSync(join(root, 'e2e/fixtures/backends', p), 'utf8'));

const ollama = await startFakeServer({
  '/api/version': { body: fx('ollama/version.json') },
  '/api/ps': { body: fx('ollama/ps.qwen2.5-coder-14b.json') },
  'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
});
process.stdout.write(`${JSON.stringify({ ollama: ollama.url })}\n`);
process.on('SIGTERM', () => void ollama.close().then(() => process.exit(0)));
