/**
 * Issue 11 item 6: GPU adapter/process memory on localized Windows through one long-running
 * WMI reader. The captured output is German Windows (CRLF, a decimal comma, a WMI error in
 * German); the reader is played by a fake `powershell.exe` that prints that output in rounds.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GiB, MiB } from '../../../shared/units/bytes';
import { gpuFixture, makeFakeBinDir, readInvocations, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import { createWmiCountersSource, locateWindowsPowerShell, WMI_ADAPTER_CLASS, WMI_PROCESS_CLASS, wmiReaderArgs, wmiReaderScript } from './windows-wmi.collector';
import { parseWmiLine, parseWmiOutput } from './windows-wmi.parse';

const captured = readFileSync(gpuFixture('windows/wmi-reader.de-DE.txt'), 'utf8');
const dGpu = 'luid_0x00000000_0x0000d1b6_phys_0';
const adapters = async () => [
  { name: 'NVIDIA GeForce RTX 4090', vendor: 'nvidia' as const, totalBytes: 24 * GiB, luid: dGpu },
  { name: 'Intel(R) UHD Graphics 770', vendor: 'other' as const, totalBytes: 128 * MiB, luid: 'luid_0x00000000_0x0000c4e2_phys_0' },
];

describe('WMI reader output (language-independent classes)', () => {
  it('parses CRLF frames, a decimal comma, a localized error, and drops a cut frame', () => {
    expect(captured).toContain('\r\n');
    const { frames, errors } = parseWmiOutput(captured);
    expect(frames).toHaveLength(2);
    const [first, second] = frames;
    expect(first!.find((a) => a.adapter === dGpu)).toEqual({
      adapter: dGpu,
      dedicatedUsedBytes: 10737786880,
      sharedUsedBytes: 268435456,
      processes: [
        { pid: 4321, dedicatedBytes: 536870912, sharedBytes: 0 },
        { pid: 11872, dedicatedBytes: 9663676416, sharedBytes: 134217728 },
      ],
    });
    expect(second!.find((a) => a.adapter === dGpu)?.dedicatedUsedBytes).toBe(11811160064); // "11811160064,000000"
    expect(errors).toEqual(['Ungültige Klasse "Win32_PerfRawData_GPUPerformanceCounters_GPUProcessMemory"']);
  });

  it('ignores junk, absurd and negative numbers, and mismatched instance names', () => {
    expect(parseWmiLine('A\tluid_0x00000000_0x0000d1b6_phys_0\t-5\t99999999999999999999')).toMatchObject({ samples: [{ bytes: null }, { bytes: null }] });
    expect(parseWmiLine('P\tluid_0x00000000_0x0000d1b6_phys_0\t1\t2')).toBeNull(); // a process line needs pid_
    expect(parseWmiLine('Der Befehl wurde erfolgreich ausgeführt.')).toBeNull();
    expect(parseWmiLine('A\tnot-a-luid\t1\t2')).toBeNull();
  });

  it('the script reads the WMI classes, never the localized counter paths, and exits with Headroom', () => {
    const script = wmiReaderScript(1000, 4242);
    expect(script).toContain(`Get-CimInstance -ClassName ${WMI_ADAPTER_CLASS}`);
    expect(script).toContain(`Get-CimInstance -ClassName ${WMI_PROCESS_CLASS}`);
    expect(script).not.toMatch(/\\GPU (Adapter|Process) Memory/);
    expect(script).toContain('InvariantCulture');
    expect(script).toContain('Get-Process -Id $parentPid');
    const args = wmiReaderArgs(1000, 4242);
    expect(args.slice(0, 6)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    expect(Buffer.from(args[6]!, 'base64').toString('utf16le')).toBe(script);
  });

  it('finds Windows PowerShell in System32 (any WINDIR spelling), not on Linux', async () => {
    const deps = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv) => ({ platform, env, isExecutable: async (f: string) => f === 'D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', listDirs: async () => [], mtimeMs: async () => null });
    expect(await locateWindowsPowerShell(deps('win32', { windir: 'D:\\Win' }))).toBe('D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(await locateWindowsPowerShell(deps('linux', { windir: 'D:\\Win' }))).toBeNull();
  });
});

describe('createWmiCountersSource against a fake powershell.exe', () => {
  let bin: FakeBinDir;
  let dispose: (() => void) | null = null;
  beforeEach(async () => {
    bin = await makeFakeBinDir();
  });
  afterEach(async () => {
    dispose?.();
    dispose = null;
    await bin.remove();
  });

  const rounds = captured.split(/(?<=\r\nE\t\d+\r\n)/).slice(0, 2);

  it('one reader process for many reads; readings carry shared usage and processes', async () => {
    const log = `${bin.dir}/calls.log`;
    const ps = await writeFakeTool(bin.dir, 'powershell.exe', { logFile: log, rules: [{ crlf: true, stream: { frames: rounds, intervalMs: 30 } }] });
    const src = createWmiCountersSource({ powershellPath: ps, intervalMs: 250, loadAdapters: adapters });
    dispose = () => src.dispose();
    await vi.waitFor(() => expect(src.latestUsage()).not.toBeNull(), { timeout: 10_000, interval: 20 });
    let last = await src.read(AbortSignal.timeout(5000));
    for (let i = 0; i < 5; i++) last = await src.read(AbortSignal.timeout(5000));
    expect(last.status).toBe('ok');
    const gpu = last.status === 'ok' ? last.value.find((g) => g.name === 'NVIDIA GeForce RTX 4090') : undefined;
    expect(gpu?.memoryTotalBytes).toBe(24 * GiB);
    expect(gpu?.sharedUsedBytes).toBeGreaterThan(0);
    expect((await readInvocations(log)).length).toBe(1);
    expect(src.starts).toBe(1);
    // Sleep: the reader is stopped, and a fresh one starts on wake (no stale-stream restart).
    src.suspend!();
    expect(src.latestUsage()).not.toBeNull(); // the last frame is kept while asleep…
    src.resume!();
    expect(src.latestUsage()).toBeNull(); // …but not shown as current after waking
    await vi.waitFor(() => expect(src.latestUsage()).not.toBeNull(), { timeout: 10_000, interval: 20 });
    expect(src.starts).toBe(2);
  });

  it('the WMI classes are missing: gives up after 3 failed rounds with a sentence, and stops', async () => {
    const log = `${bin.dir}/calls.log`;
    const ps = await writeFakeTool(bin.dir, 'powershell.exe', {
      logFile: log,
      rules: [{ crlf: true, stream: { header: 'H\theadroom-wmi 1', frames: ['X\tUngültige Klasse "Win32_PerfRawData_GPUPerformanceCounters_GPUAdapterMemory"'], intervalMs: 20 } }],
    });
    const src = createWmiCountersSource({ powershellPath: ps, loadAdapters: adapters, maxFailedRounds: 3 });
    dispose = () => src.dispose();
    src.latestUsage();
    await vi.waitFor(() => expect(src.gaveUp).not.toBeNull(), { timeout: 10_000, interval: 20 });
    const r = await src.read(AbortSignal.timeout(5000));
    expect(r).toEqual({ status: 'unavailable', message: expect.stringMatching(/^Windows GPU counters unavailable: 3 rounds in a row failed \(Ungültige Klasse .*\)\. Stopped retrying/) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readInvocations(log)).length).toBe(1);
  });

  it('a reader that dies at once is restarted with backoff, then given up on', async () => {
    const log = `${bin.dir}/calls.log`;
    const ps = await writeFakeTool(bin.dir, 'powershell.exe', { logFile: log, rules: [{ stderr: 'Das System kann die angegebene Datei nicht finden.\r\n', exitCode: 1 }] });
    const src = createWmiCountersSource({ powershellPath: ps, loadAdapters: adapters, initialBackoffMs: 10, maxFailedStarts: 3 });
    dispose = () => src.dispose();
    src.latestUsage();
    await vi.waitFor(() => expect(src.gaveUp).not.toBeNull(), { timeout: 10_000, interval: 20 });
    expect(src.gaveUp).toMatch(/the reader ended 3 times in a row without one sample \(.*Das System kann die angegebene Datei nicht finden\)\. Stopped retrying/);
    const n = (await readInvocations(log)).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await readInvocations(log)).length).toBe(n);
    expect(n).toBe(3);
  });
});
