/**
 * The engine behind every fake GPU tool (nvidia-smi, rocm-smi, amd-smi, sysctl, typeperf).
 * A fake is a tiny executable that calls `run(behaviour)`; the behaviour is plain JSON:
 *
 *   {
 *     "logFile": "/tmp/x/calls.log",          // optional: one JSON line per start {argv, pid}
 *     "rules": [                              // first rule whose `whenArgs` all appear in argv
 *       { "whenArgs": ["--json"], "stdoutFile": "/abs/fixture.json" },
 *       { "stdout": "text", "stderr": "text", "exitCode": 9, "delayMs": 0 },
 *       { "stream": {                         // long-running mode (nvidia-smi -lms, typeperf -si)
 *           "header": "first line once",
 *           "frames": ["line(s) printed per tick", "..."],   // or "framesFile": one frame per line
 *           "intervalMs": 50,                 // default: from -lms N / --loop-ms=N / -si N, else 1000
 *           "repeat": true,                   // cycle the frames (default true)
 *           "stallAfterFrames": 3,            // stop printing but stay alive (a hung stream)
 *           "exitAfterFrames": 3, "exitCode": 0
 *       } }
 *     ]
 *   }
 *
 * Lines end with "\n" unless `crlf` is set on the rule. Plain JS so that it runs without tsx.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function intervalFromArgs(argv) {
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if ((a === '-lms' || a === '--loop-ms') && argv[i + 1]) return Number(argv[i + 1]);
    if (a.startsWith('--loop-ms=')) return Number(a.slice('--loop-ms='.length));
    if ((a === '-l' || a === '--loop') && argv[i + 1]) return Number(argv[i + 1]) * 1000;
    if (a === '-si' && argv[i + 1]) return Number(argv[i + 1]) * 1000;
  }
  return 1000;
}

function matches(rule, argv) {
  return (rule.whenArgs ?? []).every((want) => argv.some((a) => a === want || a.includes(want)));
}

function write(text, crlf) {
  process.stdout.write(crlf ? text.replace(/\r?\n/g, '\r\n') : text);
}

function runStream(stream, argv, crlf) {
  const frames = stream.frames ?? readFileSync(stream.framesFile, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const intervalMs = stream.intervalMs ?? intervalFromArgs(argv);
  const repeat = stream.repeat ?? true;
  if (stream.header !== undefined) write(`${stream.header}\n`, crlf);
  let n = 0;
  const timer = setInterval(() => {
    if (stream.exitAfterFrames !== undefined && n >= stream.exitAfterFrames) {
      clearInterval(timer);
      process.exit(stream.exitCode ?? 0);
    }
    if (stream.stallAfterFrames !== undefined && n >= stream.stallAfterFrames) return;
    if (!repeat && n >= frames.length) {
      clearInterval(timer);
      process.exit(stream.exitCode ?? 0);
    }
    const frame = frames[n % frames.length];
    n += 1;
    write(frame.endsWith('\n') ? frame : `${frame}\n`, crlf);
  }, Math.max(1, intervalMs));
  // A reader that goes away must not leave the fake running (real tools die on SIGPIPE).
  process.stdout.on('error', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

export function run(behaviour) {
  const argv = process.argv.slice(2);
  if (behaviour.logFile) appendFileSync(behaviour.logFile, `${JSON.stringify({ argv, pid: process.pid })}\n`);
  const rule = (behaviour.rules ?? []).find((r) => matches(r, argv));
  if (!rule) {
    process.stderr.write(`fake tool: no rule for ${JSON.stringify(argv)}\n`);
    process.exit(2);
  }
  const crlf = rule.crlf === true;
  const act = () => {
    if (rule.stream) {
      runStream(rule.stream, argv, crlf);
      return;
    }
    if (rule.stderr) process.stderr.write(rule.stderr);
    const out = rule.stdoutFile ? readFileSync(rule.stdoutFile, 'utf8') : (rule.stdout ?? '');
    write(out, crlf);
    process.stdout.write('', () => process.exit(rule.exitCode ?? 0));
  };
  if (rule.delayMs) setTimeout(act, rule.delayMs);
  else act();
}

const fixtures = new URL('../../fixtures/backends/', import.meta.url);
const fx = (rel) => fileURLToPath(new URL(rel, fixtures));

/** The recorded compute-apps lines (pid, name, MiB) with the `gpu_uuid` column Headroom's query adds. */
function computeAppsWithUuid() {
  const uuid = readFileSync(fx('nvidia-smi/query-gpu.single.csv'), 'utf8').split(',')[1].trim();
  return readFileSync(fx('nvidia-smi/compute-apps.linux.llm.noheader-nounits.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((l) => `${l}, ${uuid}`)
    .join('\n');
}

/** What each fake in `bin/` does when no behaviour file is given: print the recorded output. */
const defaults = {
  'nvidia-smi': {
    rules: [
      // `--query-compute-apps=pid,process_name,used_gpu_memory,gpu_uuid … -lms N`: one iteration per
      // tick, the recorded processes with the uuid of the recorded GPU (nothing when a list is empty).
      { whenArgs: ['--query-compute-apps', '-lms'], stream: { frames: [computeAppsWithUuid()] } },
      { whenArgs: ['-lms'], stream: { framesFile: fx('nvidia-smi/query-gpu.single.csv') } },
      { whenArgs: ['--query-compute-apps'], stdoutFile: fx('nvidia-smi/compute-apps.linux.llm.noheader-nounits.csv') },
      { stdoutFile: fx('nvidia-smi/query-gpu.single.csv') },
    ],
  },
  'rocm-smi': {
    rules: [
      { whenArgs: ['--showproductname', '--json'], stdoutFile: fx('rocm-smi/productname.json') },
      { whenArgs: ['--showproductname'], stdoutFile: fx('rocm-smi/productname.txt') },
      { whenArgs: ['--json'], stdoutFile: fx('rocm-smi/meminfo.json') },
      { stdoutFile: fx('rocm-smi/meminfo.txt') },
    ],
  },
  'amd-smi': { rules: [{ whenArgs: ['static'], stdoutFile: fx('amd-smi/static.json') }, { stdoutFile: fx('amd-smi/metric-mem-usage.json') }] },
  sysctl: {
    rules: [
      { whenArgs: ['iogpu.wired_limit_mb', 'hw.memsize'], stdout: `${readFileSync(fx('macos/sysctl.iogpu.wired_limit_mb.txt'), 'utf8')}${readFileSync(fx('macos/sysctl.hw.memsize.txt'), 'utf8')}` },
      { whenArgs: ['iogpu.wired_limit_mb'], stdoutFile: fx('macos/sysctl.iogpu.wired_limit_mb.txt') },
      { whenArgs: ['hw.memsize'], stdoutFile: fx('macos/sysctl.hw.memsize.txt') },
    ],
  },
  typeperf: {
    rules: [
      {
        whenArgs: ['-si'],
        crlf: true,
        stream: {
          header: readFileSync(fx('windows/typeperf.gpu-adapter-memory.csv'), 'utf8').split(/\r?\n/)[1],
          frames: [readFileSync(fx('windows/typeperf.gpu-adapter-memory.csv'), 'utf8').split(/\r?\n/)[2]],
        },
      },
      { stdoutFile: fx('windows/typeperf.gpu-adapter-memory.csv') },
    ],
  },
};

/**
 * Entry point of the fakes in `bin/`: the behaviour comes from the JSON file named by
 * `HEADROOM_FAKE_<TOOL>` (e.g. `HEADROOM_FAKE_ROCM_SMI=/tmp/script.json`), else the default.
 */
export function runNamed(tool) {
  const envName = `HEADROOM_FAKE_${tool.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const file = process.env[envName];
  run(file ? JSON.parse(readFileSync(file, 'utf8')) : defaults[tool]);
}
