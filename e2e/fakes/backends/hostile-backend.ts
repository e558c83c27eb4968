/**
 * Hostile fake LLM servers for the fuzz test (`npm test`) and the soak (`npm run bench`): each
 * kind answers its real paths with seeded mutations of the recorded payloads in
 * e2e/fixtures/backends/ — wrong types, non-finite and absurd numbers, 10⁵-deep JSON, 20 MB
 * bodies, gzip bombs, endless chunked bodies, slow trickles, a million Prometheus series, huge
 * strings, tens of thousands of list entries — on real HTTP on 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import zlib from 'node:zlib';
import type { BackendKind } from '../../../shared/model/snapshot';
import { readFixture } from './fixtures';

/** Deterministic PRNG (mulberry32): the same seed gives the same hostile session. */
import { seededRandom } from '../../../shared/alerts/testing';

export { seededRandom };

type Payload = { text: string; json: boolean };

const rec = 'llamacpp/recorded-b1-de3ff81/qwen2-c8192/';

/** The real paths of each kind and the recorded payload each one answers with. */
export function hostileRoutes(kind: BackendKind): Record<string, Payload> {
  const j = (path: string): Payload => ({ text: readFixture(path), json: true });
  const t = (path: string): Payload => ({ text: readFixture(path), json: false });
  switch (kind) {
    case 'ollama':
      return { 'GET /api/version': j('ollama/version.json'), 'GET /api/ps': j('ollama/ps.qwen2.5-coder-14b.json'), 'POST /api/show': j('ollama/show.qwen2.5-coder-14b.json') };
    case 'vllm':
      return { 'GET /health': { text: '', json: false }, 'GET /version': j('vllm/version.json'), 'GET /metrics': t('vllm/metrics.v1.txt'), 'GET /v1/models': j('vllm/models.json') };
    case 'llamacpp':
      return {
        'GET /health': j(`${rec}health.idle.json`),
        'GET /props': j(`${rec}props.idle.json`),
        'GET /slots': j(`${rec}slots.busy-first.json`),
        'GET /metrics': t(`${rec}metrics.busy-first.txt`),
        'GET /v1/models': j(`${rec}v1-models.idle.json`),
      };
    case 'lmstudio':
      return { 'GET /api/v1/models': j('lmstudio/api-v1-models.docs.json'), 'GET /api/v0/models': j('lmstudio/api-v0-models.loaded.json') };
    case 'openai':
      return { 'GET /v1/models': j('openai/models.ollama-v1.json') };
  }
}

/** Every way a reply can be hostile. `fixture` is the recorded payload unchanged. */
export const HOSTILITIES = [
  'fixture',
  'mutated',
  'mutated',
  'mutated',
  'deep-json',
  'huge-body',
  'huge-chunked',
  'gzip-bomb',
  'endless-chunked',
  'slow-trickle',
  'huge-string',
  'long-list',
  'prometheus-million',
  'prometheus-values',
  'http-error',
  'html',
  'socket-drop',
] as const;
export type Hostility = (typeof HOSTILITIES)[number];

const ABSURD_NUMBERS = ['1e309', '-1e309', '-1', '-0.5', '1e300', '9007199254740993', '1.5', '0', '18446744073709551616', '-9e15'];
const HUGE_STRING_CHARS = 2_000_000;

/** Mutates decoded JSON in place-free fashion: `changes` random nodes get another type or an absurd value. */
function mutateJson(value: unknown, random: () => number, changes: number): string {
  let text = JSON.stringify(value);
  // Work on the text so that values JSON.stringify cannot write (1e309 → Infinity) still get in.
  for (let i = 0; i < changes; i++) {
    const numbers = [...text.matchAll(/(?<=[:[,])(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|"(?:[^"\\]|\\.)*")(?=[,}\]])/g)];
    if (numbers.length === 0) break;
    const pick = numbers[Math.floor(random() * numbers.length)]!;
    const choice = random();
    const replacement =
      choice < 0.45
        ? ABSURD_NUMBERS[Math.floor(random() * ABSURD_NUMBERS.length)]!
        : choice < 0.6
          ? '"\\u0000\\u001b[2J\\ud800 text"'
          : choice < 0.7
            ? '{}'
            : choice < 0.8
              ? '[1,"a",null]'
              : choice < 0.9
                ? 'null'
                : 'true';
    text = text.slice(0, pick.index) + replacement + text.slice(pick.index + pick[0].length);
  }
  return text;
}

/** The longest array in `value` grown to `entries` copies of its first entry (or a new one at the root). */
function longList(value: unknown, entries: number): string {
  let best: unknown[] | null = null;
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      if (!best || v.length > best.length) best = v;
      v.forEach(visit);
    } else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  const list = best as unknown[] | null;
  if (!list || list.length === 0) return JSON.stringify(Array.from({ length: entries }, (_, i) => ({ id: `m${i}` })));
  const first = list[0];
  list.length = 0;
  for (let i = 0; i < entries; i++) list.push(first && typeof first === 'object' ? { ...first, id: `m${i}`, name: `m${i}`, key: `m${i}` } : first);
  return JSON.stringify(value);
}

function hugeString(value: unknown, random: () => number): string {
  const big = 'A'.repeat(HUGE_STRING_CHARS);
  const strings: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'string' ? strings.push({ parent: v, key: i }) : visit(x)));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string') strings.push({ parent: v as Record<string, unknown>, key: k });
        else visit(x);
      }
    }
  };
  visit(value);
  if (strings.length === 0) return JSON.stringify({ error: big });
  for (let i = 0; i < 3; i++) {
    const s = strings[Math.floor(random() * strings.length)]!;
    (s.parent as Record<string | number, unknown>)[s.key] = big;
  }
  return JSON.stringify(value);
}

/** Prometheus text with hostile values: NaN, ±Inf, negatives, 1e308, huge label values, duplicated series. */
function prometheusValues(text: string, random: () => number): string {
  const values = ['NaN', '+Inf', '-Inf', '-1', '1e308', '-1e308', '0x10', '', '1e-320', '7.5'];
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.startsWith('#') || line.trim() === '') return [line];
      const r = random();
      const mutated = r < 0.5 ? line.replace(/\s\S+$/, ` ${values[Math.floor(random() * values.length)]}`) : line;
      if (r > 0.9) return [mutated.replace(/="([^"]*)"/, `="${'x'.repeat(8000)}"`)];
      if (r > 0.8) return Array.from({ length: 50 }, (_, i) => mutated.replace(/\{/, `{engine="${i}",`));
      return [mutated];
    })
    .join('\n');
}

let huge: Buffer | null = null;
function hugeBody(): Buffer {
  huge ??= Buffer.alloc(20 * 1024 * 1024, 0x20);
  return huge;
}

/** 64 MiB of zeros, gzipped once (~64 KB on the wire). */
let gzipBomb: Buffer | null = null;
function bomb(): Buffer {
  gzipBomb ??= zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return gzipBomb;
}

export interface HostileServer {
  kind: BackendKind;
  url: string;
  /** Responses started, by hostility. */
  counts: Record<string, number>;
  /** Total responses started. */
  readonly responses: number;
  close(): Promise<void>;
}

export interface HostileOptions {
  seed: number;
  /** Fraction of replies that are hostile (the rest are the recorded payload). Default 0.85. */
  hostileRatio?: number;
  /** Only these hostilities (default: all). */
  only?: readonly Hostility[];
}

/** Starts one hostile server of `kind` on 127.0.0.1 and a run-time port. */
export async function startHostileBackend(kind: BackendKind, options: HostileOptions): Promise<HostileServer> {
  const random = seededRandom(options.seed);
  const routes = hostileRoutes(kind);
  bomb(); // built once, up front: compressing 64 MiB must not land inside a timed tick
  hugeBody();
  const pool = options.only ?? HOSTILITIES;
  const counts: Record<string, number> = {};
  let responses = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    req.resume();
    const payload = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
    responses++;
    if (!payload) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    const hostility: Hostility = random() < (options.hostileRatio ?? 0.85) ? pool[Math.floor(random() * pool.length)]! : 'fixture';
    counts[hostility] = (counts[hostility] ?? 0) + 1;
    const type = payload.json ? 'application/json' : 'text/plain; version=0.0.4';
    const value = () => (payload.json && payload.text ? (JSON.parse(payload.text) as unknown) : payload.text);
    const send = (body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, ...headers });
      res.end(body);
    };
    const stream = (chunk: () => string | Buffer, everyMs: number, totalChunks = Infinity) => {
      res.writeHead(200, { 'content-type': type });
      let sent = 0;
      const pump = () => {
        timers.delete(timer);
        if (res.destroyed || sent >= totalChunks) return void res.end();
        sent++;
        const ok = res.write(chunk());
        if (ok) timer = setTimeout(pump, everyMs);
        else res.once('drain', () => (timer = setTimeout(pump, everyMs)));
        timers.add(timer);
      };
      let timer = setTimeout(pump, 0);
      timers.add(timer);
      res.on('close', () => clearTimeout(timer));
    };
    switch (hostility) {
      case 'fixture':
        return send(payload.text);
      case 'mutated':
        return send(payload.json ? mutateJson(value(), random, 1 + Math.floor(random() * 6)) : prometheusValues(payload.text, random));
      case 'deep-json': {
        const depth = 100_000;
        return send(random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
      }
      case 'huge-body':
        // 20 MB, declared up front.
        return send(hugeBody());
      case 'huge-chunked': {
        const chunk = Buffer.alloc(256 * 1024, 0x5b); // "[[[[": no end
        return stream(() => chunk, 0, 80);
      }
      case 'gzip-bomb':
        return send(bomb(), { 'content-encoding': 'gzip' });
      case 'endless-chunked': {
        const chunk = Buffer.from(`${'{"a":1},'.repeat(1000)}`);
        return stream(() => chunk, 1);
      }
      case 'slow-trickle':
        return stream(() => payload.text.slice(0, 1) || ' ', 200);
      case 'huge-string':
        return send(payload.json ? hugeString(value(), random) : `vllm:num_requests_running{model_name="${'A'.repeat(HUGE_STRING_CHARS)}"} 1\n${payload.text}`);
      case 'long-list':
        return send(payload.json ? longList(value(), 20_000 + Math.floor(random() * 30_000)) : prometheusEngines(payload.text, 30_000));
      case 'prometheus-million': {
        // A million series, streamed 10,000 lines at a time (~35 MB in all).
        let line = 0;
        const name = kind === 'llamacpp' ? 'llamacpp:requests_processing' : 'vllm:num_requests_running';
        return stream(
          () => {
            let out = '';
            for (let i = 0; i < 10_000; i++, line++) out += `${name}{engine="${line}"} ${line}\n`;
            return out;
          },
          0,
          100,
        );
      }
      case 'prometheus-values':
        return send(payload.json ? mutateJson(value(), random, 12) : prometheusValues(payload.text, random));
      case 'http-error': {
        const status = [400, 401, 404, 500, 501, 502, 503][Math.floor(random() * 7)]!;
        res.writeHead(status, { 'content-type': 'application/json' });
        return res.end(random() < 0.5 ? JSON.stringify({ error: { code: status, message: 'x'.repeat(100_000) } }) : '['.repeat(50_000));
      }
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<html><body>${'<div>'.repeat(10_000)}</body></html>`);
      case 'socket-drop':
        return req.socket.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    counts,
    get responses() {
      return responses;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Prometheus text with one real series repeated for `engines` engines. */
function prometheusEngines(text: string, engines: number): string {
  const line = text.split('\n').find((l) => /^(vllm|llamacpp):\S*\{/.test(l)) ?? 'vllm:num_requests_running{engine="0"} 1';
  const out: string[] = [text];
  for (let i = 0; i < engines; i++) out.push(line.replace(/\{/, `{engine="e${i}",model_name="m${i}",`));
  return out.join('\n');
}
