import { describe, expect, it } from 'vitest';
import { findOnPath, locateNvidiaSmi, locateRocmTool, locateTypeperf, type LocateDeps } from './locate';

/** A fake file system: executable files and their mtimes. */
function deps(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, files: Record<string, number>): LocateDeps {
  const norm = (p: string) => (platform === 'win32' ? p.toLowerCase() : p);
  const table = new Map(Object.entries(files).map(([k, v]) => [norm(k), v]));
  return {
    platform,
    env,
    isExecutable: async (f) => table.has(norm(f)),
    listDirs: async (dir) => {
      const prefix = norm(dir.endsWith('\\') ? dir : `${dir}\\`);
      return [...new Set([...table.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('\\')[0] ?? ''))];
    },
    mtimeMs: async (f) => table.get(norm(f)) ?? null,
  };
}

const winEnv = { WINDIR: 'C:\\Windows', ProgramFiles: 'C:\\Program Files', Path: 'C:\\Tools;C:\\Windows', PATHEXT: '.COM;.EXE;.BAT' };
const store = 'C:\\Windows\\System32\\DriverStore\\FileRepository';

describe('locateNvidiaSmi', () => {
  it.each<{ name: string; files: Record<string, number>; want: string | null }>([
    { name: 'Windows: System32 first', files: { 'C:\\Windows\\System32\\nvidia-smi.exe': 1, 'C:\\Tools\\nvidia-smi.exe': 1 }, want: 'C:\\Windows\\System32\\nvidia-smi.exe' },
    {
      name: 'Windows: newest DriverStore copy',
      files: { [`${store}\\nv_dispi.inf_amd64_old\\nvidia-smi.exe`]: 100, [`${store}\\nv_dispi.inf_amd64_new\\nvidia-smi.exe`]: 200, [`${store}\\other.inf\\nvidia-smi.exe`]: 300 },
      want: `${store}\\nv_dispi.inf_amd64_new\\nvidia-smi.exe`,
    },
    { name: 'Windows: pre-DCH NVSMI folder (spaces in path)', files: { 'C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe': 1 }, want: 'C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe' },
    { name: 'Windows: PATH with PATHEXT, env keys any case', files: { 'C:\\Tools\\nvidia-smi.exe': 1 }, want: 'C:\\Tools\\nvidia-smi.exe' },
    { name: 'Windows: nowhere', files: {}, want: null },
  ])('$name', async ({ files, want }) => {
    expect(await locateNvidiaSmi(deps('win32', winEnv, files))).toBe(want);
  });

  it.each<{ name: string; files: Record<string, number>; want: string | null }>([
    { name: 'Linux: PATH order', files: { '/usr/local/bin/nvidia-smi': 1, '/usr/bin/nvidia-smi': 1 }, want: '/usr/local/bin/nvidia-smi' },
    { name: 'Linux: not installed', files: {}, want: null },
  ])('$name', async ({ files, want }) => {
    expect(await locateNvidiaSmi(deps('linux', { PATH: '/usr/local/bin:/usr/bin' }, files))).toBe(want);
  });
});

describe('other tools', () => {
  it('rocm-smi falls back to $ROCM_PATH/bin', async () => {
    expect(await locateRocmTool('rocm-smi', deps('linux', { PATH: '/usr/bin', ROCM_PATH: '/opt/rocm-6.2' }, { '/opt/rocm-6.2/bin/rocm-smi': 1 }))).toBe('/opt/rocm-6.2/bin/rocm-smi');
    expect(await locateRocmTool('amd-smi', deps('linux', { PATH: '/usr/bin' }, {}))).toBeNull();
  });
  it('typeperf only on Windows', async () => {
    expect(await locateTypeperf(deps('linux', { PATH: '/usr/bin' }, { '/usr/bin/typeperf': 1 }))).toBeNull();
    expect(await locateTypeperf(deps('win32', winEnv, { 'C:\\Windows\\System32\\typeperf.exe': 1 }))).toBe('C:\\Windows\\System32\\typeperf.exe');
  });
  it('empty PATH entries are ignored', async () => {
    expect(await findOnPath('x', deps('linux', { PATH: '::/bin:' }, { '/bin/x': 1, 'x': 1 }))).toBe('/bin/x');
  });
});
