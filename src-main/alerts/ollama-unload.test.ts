import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeReply, type FakeServer } from '../../e2e/fakes/fake-http';
import { unloadOllamaModel } from './ollama-unload';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('unloadOllamaModel', () => {
  it('POSTs keep_alive 0 to /api/generate and reports success', async () => {
    server = await startFakeServer({
      'POST /api/generate': { body: { model: 'qwen2.5:14b', created_at: '2026-01-01T00:00:00Z', response: '', done: true, done_reason: 'unload' } },
    });
    const r = await unloadOllamaModel(`${server.url}/`, 'qwen2.5:14b');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ model: 'qwen2.5:14b', keep_alive: 0 });
    expect(r).toEqual({ ok: true, value: `Unloaded qwen2.5:14b from Ollama at 127.0.0.1:${server.port}; its memory is free once \`ollama ps\` no longer lists it.` });
  });

  it.each([
    { name: 'unknown model', reply: { status: 404, body: { error: "model 'nope' not found" } }, code: 'bad-request', msg: "model 'nope' not found. Check the name with `ollama ps`." },
    { name: 'server error', reply: { status: 500, body: { error: 'out of memory' } }, code: 'unavailable', msg: 'answered HTTP 500 (out of memory)' },
    { name: 'hangs', reply: { hang: true }, code: 'timeout', msg: 'no answer within 300 ms' },
  ] as { name: string; reply: FakeReply; code: string; msg: string }[])('$name', async ({ reply, code, msg }) => {
    server = await startFakeServer({ 'POST /api/generate': reply });
    const r = await unloadOllamaModel(server.url, 'nope', { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toContain(msg);
      expect(r.error.message).toMatch(/^Ollama at 127\.0\.0\.1:\d+: /);
    }
  });

  it.each([
    { name: 'not http', url: 'file:///tmp', model: 'x', msg: 'not an http(s) URL' },
    { name: 'empty model', url: 'http://127.0.0.1:11434', model: ' ', msg: 'No model name' },
  ])('rejects $name without a request', async ({ url, model, msg }) => {
    const r = await unloadOllamaModel(url, model);
    expect(r.ok ? '' : r.error.message).toContain(msg);
  });

  it('refused connection', async () => {
    const s = await startFakeServer();
    await s.close();
    const r = await unloadOllamaModel(s.url, 'qwen2.5:14b');
    expect(r).toEqual({ ok: false, error: { code: 'unavailable', message: `Ollama at 127.0.0.1:${s.port}: connection refused. Is it running?` } });
  });
});
