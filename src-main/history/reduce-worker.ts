/**
 * Builds missing per-day reductions in a worker thread. Reading a week of 1 s history makes about
 * 600 MB of short-lived garbage; in the main isolate that grows V8's young generation for good
 * (+30 MB of RSS that never comes back), in a worker it is freed with the worker.
 *
 * The worker's code is a self-contained CommonJS string (it runs the same in `serve`'s bundle, in
 * Electron and under tests); it reads lines exactly as `parseHistoryLine` does and keeps the
 * per-GPU, per-bucket minimum and maximum exactly as `Reduction` does (the test compares them).
 */
import { Worker } from 'node:worker_threads';

export interface ReduceJob {
  /** The day file. */
  source: string;
  /** Where the reduction goes (written to `target.tmp`, then renamed). */
  target: string;
  /** Bytes of the day file to cover. */
  sourceBytes: number;
}

const WORKER_SOURCE = String.raw`
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { jobs, bucketMs } = workerData;
function parse(line) {
  let v;
  try { v = JSON.parse(line); } catch { return null; }
  if (!v || typeof v.t !== 'number' || !Number.isFinite(v.t) || !Array.isArray(v.g)) return null;
  const owners = v.o && typeof v.o === 'object' ? v.o : null;
  const out = [];
  for (const g of v.g) {
    if (!Array.isArray(g) || g.length < 4) return null;
    const [id, name, used, total] = g;
    if (typeof id !== 'string' || typeof name !== 'string' || typeof used !== 'number' || typeof total !== 'number' || !(used >= 0) || !(total >= 0)) return null;
    const o = owners ? owners[id] : undefined;
    const shares = Array.isArray(o) ? o.filter((x) => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number' && x[1] >= 0).map((x) => [x[0], x[1]]) : [];
    out.push({ t: v.t, id, name, used, total, o: shares.length ? shares : null });
  }
  return out;
}
for (const job of jobs) {
  const buckets = new Map();
  const add = (s) => {
    const key = s.id + '|' + Math.floor(s.t / bucketMs);
    const b = buckets.get(key);
    if (!b) { buckets.set(key, { min: s, max: s }); return; }
    if (s.used < b.min.used || (s.used === b.min.used && s.t < b.min.t)) b.min = s;
    if (s.used > b.max.used || (s.used === b.max.used && s.t < b.max.t)) b.max = s;
  };
  let fd;
  try { fd = fs.openSync(job.source, 'r'); } catch { continue; }
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = 0;
  let carry = null;
  while (pos < job.sourceBytes) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, job.sourceBytes - pos), pos);
    if (n <= 0) break;
    pos += n;
    let from = 0;
    for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < n; nl = buf.indexOf(10, from)) {
      const text = carry ? Buffer.concat([carry, buf.subarray(from, nl)]).toString('utf8') : buf.toString('utf8', from, nl);
      carry = null;
      from = nl + 1;
      if (!text) continue;
      const parsed = parse(text);
      if (parsed) for (const s of parsed) add(s);
    }
    if (from < n) carry = carry ? Buffer.concat([carry, buf.subarray(from, n)]) : Buffer.from(buf.subarray(from, n));
  }
  fs.closeSync(fd);
  const kept = [];
  for (const { min, max } of buckets.values()) {
    if (min === max) kept.push(min);
    else if (min.t <= max.t) kept.push(min, max);
    else kept.push(max, min);
  }
  kept.sort((a, b) => a.t - b.t);
  const lines = [JSON.stringify({ v: 1, bucketMs, sourceBytes: job.sourceBytes })];
  for (const s of kept) lines.push(JSON.stringify(s.o ? { t: s.t, g: [[s.id, s.name, s.used, s.total]], o: { [s.id]: s.o } } : { t: s.t, g: [[s.id, s.name, s.used, s.total]] }));
  try {
    fs.writeFileSync(job.target + '.tmp', lines.join('\n') + '\n');
    fs.renameSync(job.target + '.tmp', job.target);
  } catch (error) {
    try { fs.unlinkSync(job.target + '.tmp'); } catch {}
    parentPort.postMessage({ error: job.target + ': ' + error.message });
  }
}
`;

/** Runs the jobs in one worker thread; resolves with the failures (sentences), never rejects. */
export function reduceInWorker(jobs: ReduceJob[], bucketMs: number): Promise<string[]> {
  if (!jobs.length) return Promise.resolve([]);
  return new Promise((resolve) => {
    const failures: string[] = [];
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jobs, bucketMs }, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } });
    } catch (error) {
      resolve([`cannot start a worker: ${(error as Error).message}`]);
      return;
    }
    worker.on('message', (m: { error?: string }) => m.error && failures.push(m.error));
    worker.on('error', (error) => failures.push(error.message));
    worker.on('exit', () => resolve(failures));
    worker.unref();
  });
}
