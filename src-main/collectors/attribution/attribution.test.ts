import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../e2e/fakes/backends/fixtures';
import { parseGetCounterJson, parseTypeperfCsv, summarizeCounters } from '../gpu/windows-counters.parse';
import { attributeGpuMemory, fillFromWindowsCounters, gpuShareSummary, llmKindOfProcess, type MonitoredBackend } from './attribute';
import { parseComputeApps, type ComputeApp } from './compute-apps.parse';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('parseComputeApps', () => {
  it.each([
    {
      name: 'Linux, header and MiB units',
      file: 'nvidia-smi/compute-apps.linux.csv',
      want: {
        apps: [
          { pid: 2165, name: '/usr/bin/kwin_wayland', usedBytes: 25 * MiB, gpuUuid: null },
          { pid: 5022, name: 'ffmpeg', usedBytes: 503 * MiB, gpuUuid: null },
          { pid: 5021, name: 'ffmpeg', usedBytes: 360 * MiB, gpuUuid: null },
        ],
        restricted: false,
        memoryNotReported: false,
      },
    },
    {
      name: 'Linux LLM servers, noheader,nounits (3 columns)',
      file: 'nvidia-smi/compute-apps.linux.llm.noheader-nounits.csv',
      columns: ['pid', 'process_name', 'used_gpu_memory'],
      want: {
        apps: [
          { pid: 48211, name: '/usr/local/bin/ollama', usedBytes: 10010 * MiB, gpuUuid: null },
          { pid: 48377, name: '/usr/bin/python3', usedBytes: 21966 * MiB, gpuUuid: null },
        ],
        restricted: false,
        memoryNotReported: false,
      },
    },
    {
      name: 'Windows WDDM: [N/A] memory, names with spaces and parentheses',
      file: 'nvidia-smi/compute-apps.windows-wddm.csv',
      want: {
        apps: [
          { pid: 2140, name: 'C:\\Windows\\System32\\dwm.exe', usedBytes: null, gpuUuid: null },
          { pid: 13160, name: 'C:\\Windows\\explorer.exe', usedBytes: null, gpuUuid: null },
          { pid: 17648, name: 'C:\\Program Files\\NVIDIA Corporation\\NVIDIA App\\CEF\\NVIDIA Overlay.exe', usedBytes: null, gpuUuid: null },
          { pid: 23988, name: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', usedBytes: null, gpuUuid: null },
        ],
        restricted: false,
        memoryNotReported: true,
      },
    },
    {
      name: 'restricted container: [Insufficient Permissions], header in another order',
      file: 'nvidia-smi/compute-apps.restricted-container.csv',
      want: { apps: [], restricted: true, memoryNotReported: false },
    },
    { name: 'no processes: header only', file: 'nvidia-smi/compute-apps.no-processes.header-only.csv', want: { apps: [], restricted: false, memoryNotReported: false } },
  ])('$name', ({ file, columns, want }) => {
    expect(parseComputeApps(readFixture(file), columns)).toEqual(want);
  });

  it.each([
    { name: 'empty output', text: '', want: [] },
    { name: 'default 4 columns with gpu_uuid', text: '4242, /opt/llama-server, 5120, GPU-abc\n', want: [{ pid: 4242, name: '/opt/llama-server', usedBytes: 5120 * MiB, gpuUuid: 'GPU-abc' }] },
    { name: 'name containing ", "', text: '7, C:\\Apps\\Odd, Name\\x.exe, [N/A], GPU-1', want: [{ pid: 7, name: 'C:\\Apps\\Odd, Name\\x.exe', usedBytes: null, gpuUuid: 'GPU-1' }] },
    { name: 'hostile: non-numeric pid and memory', text: 'abc, x, 12, GPU-1\n1, y, lots, GPU-1', want: [{ pid: 1, name: 'y', usedBytes: null, gpuUuid: 'GPU-1' }] },
    { name: 'too few fields', text: '1, y', want: [] },
  ])('$name', ({ text, want }) => {
    expect(parseComputeApps(text).apps).toEqual(want);
  });
});

describe('llmKindOfProcess', () => {
  const vllm: MonitoredBackend[] = [{ id: 'vllm@127.0.0.1:8000', kind: 'vllm' }];
  it.each([
    { name: '/usr/local/bin/ollama', backends: [], want: 'ollama' },
    { name: 'C:\\Users\\me\\AppData\\Local\\Programs\\Ollama\\ollama.exe', backends: [], want: 'ollama' },
    { name: '/tmp/ollama123/runners/cuda_v12/ollama_llama_server', backends: [], want: 'ollama' },
    { name: '/opt/llama.cpp/build/bin/llama-server', backends: [], want: 'llamacpp' },
    { name: 'llama-server.exe', backends: [], want: 'llamacpp' },
    { name: 'VLLM::EngineCore', backends: [], want: 'vllm' },
    { name: '/usr/bin/python3', backends: vllm, want: 'vllm' },
    { name: '/usr/bin/python3', backends: [], want: null },
    { name: 'C:\\Program Files\\LM Studio\\LM Studio.exe', backends: [], want: 'lmstudio' },
    { name: 'ffmpeg', backends: vllm, want: null },
  ])('$name → $want', ({ name, backends, want }) => {
    expect(llmKindOfProcess(name, backends)).toBe(want);
  });
});

describe('attributeGpuMemory', () => {
  const backends: MonitoredBackend[] = [
    { id: 'ollama@127.0.0.1:11434', kind: 'ollama' },
    { id: 'vllm@127.0.0.1:8000', kind: 'vllm' },
  ];

  it('Linux: Ollama and vLLM (python) split from the rest', () => {
    const { apps } = parseComputeApps(readFixture('nvidia-smi/compute-apps.linux.llm.noheader-nounits.csv'), ['pid', 'process_name', 'used_gpu_memory']);
    const [gpu] = attributeGpuMemory({ gpus: [{ id: 'gpu:0', uuid: 'GPU-x', memoryUsedBytes: 33 * GiB }], apps, backends });
    expect(gpu).toEqual({
      gpuId: 'gpu:0',
      usedBytes: 33 * GiB,
      servers: [
        { backendId: 'vllm@127.0.0.1:8000', kind: 'vllm', label: 'vLLM 127.0.0.1:8000', usedBytes: 21966 * MiB, pids: [48377] },
        { backendId: 'ollama@127.0.0.1:11434', kind: 'ollama', label: 'Ollama 127.0.0.1:11434', usedBytes: 10010 * MiB, pids: [48211] },
      ],
      otherAppsBytes: 0,
      unattributedBytes: 33 * GiB - (21966 + 10010) * MiB,
      processes: [
        { pid: 48211, name: '/usr/local/bin/ollama', usedBytes: 10010 * MiB, backendId: 'ollama@127.0.0.1:11434' },
        { pid: 48377, name: '/usr/bin/python3', usedBytes: 21966 * MiB, backendId: 'vllm@127.0.0.1:8000' },
      ],
    });
  });

  it.each([
    {
      name: 'two llama.cpp servers: one share for the kind, no backend id',
      apps: [app(1, 'llama-server', 4 * GiB), app(2, 'llama-server', 2 * GiB), app(3, 'ffmpeg', 1 * GiB)],
      backends: [{ id: 'llamacpp@127.0.0.1:8080', kind: 'llamacpp' }, { id: 'llamacpp@127.0.0.1:8081', kind: 'llamacpp' }] as MonitoredBackend[],
      want: { servers: [{ backendId: null, label: 'llama.cpp (2 servers)', usedBytes: 6 * GiB, pids: [1, 2] }], otherAppsBytes: 1 * GiB, unattributedBytes: 1 * GiB },
    },
    {
      name: 'an LLM server Headroom does not monitor',
      apps: [app(1, '/usr/bin/ollama', 3 * GiB)],
      backends: [],
      want: { servers: [{ backendId: null, label: 'Ollama (not monitored)', usedBytes: 3 * GiB }], otherAppsBytes: 0, unattributedBytes: 5 * GiB },
    },
    {
      name: 'memory not reported ([N/A]): shares unknown, not zero',
      apps: [app(1, 'llama-server.exe', null), app(2, 'dwm.exe', null)],
      backends: [{ id: 'llamacpp@127.0.0.1:8080', kind: 'llamacpp' }] as MonitoredBackend[],
      want: { servers: [{ backendId: 'llamacpp@127.0.0.1:8080', usedBytes: null }], otherAppsBytes: null, unattributedBytes: null },
    },
    {
      name: 'no processes at all',
      apps: [],
      backends: [],
      want: { servers: [], otherAppsBytes: 0, unattributedBytes: 8 * GiB },
    },
    {
      name: 'processes over-report (driver rounding): unattributed clamps at 0',
      apps: [app(1, 'ffmpeg', 9 * GiB)],
      backends: [],
      want: { servers: [], otherAppsBytes: 9 * GiB, unattributedBytes: 0 },
    },
  ])('$name', ({ apps, backends: list, want }) => {
    const [gpu] = attributeGpuMemory({ gpus: [{ id: 'gpu:0', uuid: null, memoryUsedBytes: 8 * GiB }], apps, backends: list });
    expect(gpu).toMatchObject(want);
  });

  it('multi-GPU: processes go to their GPU by UUID', () => {
    const apps = [app(1, 'llama-server', 4 * GiB, 'GPU-a'), app(2, 'ffmpeg', 1 * GiB, 'GPU-b'), app(3, 'orphan', 1 * GiB, null)];
    const out = attributeGpuMemory({
      gpus: [{ id: 'gpu:0', uuid: 'GPU-a', memoryUsedBytes: 5 * GiB }, { id: 'gpu:1', uuid: 'GPU-b', memoryUsedBytes: 2 * GiB }],
      apps,
      backends: [],
    });
    expect(out.map((g) => g.processes.map((p) => p.pid))).toEqual([[1], [2]]);
  });
});

describe('Windows: [N/A] from nvidia-smi filled from GPU Process Memory counters', () => {
  const wddm = parseComputeApps(
    '11872, C:\\Users\\me\\AppData\\Local\\Programs\\Ollama\\ollama.exe, [N/A]\n4140, C:\\Program Files\\LM Studio\\LM Studio.exe, [N/A]\n23988, C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe, [N/A]',
    ['pid', 'process_name', 'used_gpu_memory'],
  ).apps;

  it.each([
    { name: 'typeperf CSV', adapters: () => summarizeCounters(parseTypeperfCsv(readFixture('windows/typeperf.gpu-process-memory.csv'))) },
    { name: 'Get-Counter JSON', adapters: () => summarizeCounters(parseGetCounterJson(readFixture('windows/get-counter.gpu-process-memory.json'))) },
  ])('$name', ({ name, adapters }) => {
    const filled = fillFromWindowsCounters(wddm, adapters());
    expect(filled.find((a) => a.pid === 11872)?.usedBytes).toBe(10099490816);
    // pid 4140 also has 0 bytes on the iGPU (0x…C4E2): the dGPU's 384 MiB is taken.
    expect(filled.find((a) => a.pid === 4140)?.usedBytes).toBe(402653184);
    const expectedEdge = name === 'typeperf CSV' ? 117440512 : null; // Get-Counter fixture lists only two processes
    expect(filled.find((a) => a.pid === 23988)?.usedBytes).toBe(expectedEdge);
  });

  it('no counters for these pids → left unknown', () => {
    expect(fillFromWindowsCounters(wddm, [{ adapter: 'luid_x', processes: [{ pid: 1, dedicatedBytes: 5 }] }])).toEqual(wddm);
  });
});

describe('gpuShareSummary', () => {
  it.each([
    { name: 'fully on GPU', size: 10 * GiB, vram: 10 * GiB, want: '100% on GPU' },
    { name: 'partial (30%/70% CPU/GPU)', size: 10_000, vram: 7_000, want: '70% on GPU — spilled to system RAM' },
    { name: 'CPU only', size: 10 * GiB, vram: 0, want: 'CPU only' },
    { name: 'vram > size', size: 1, vram: 2, want: null },
    { name: 'zero size', size: 0, vram: 0, want: null },
    { name: 'unknown', size: null, vram: 5, want: null },
  ])('$name', ({ size, vram, want }) => {
    expect(gpuShareSummary(size, vram)).toBe(want);
  });
});

function app(pid: number, name: string, usedBytes: number | null, gpuUuid: string | null = null): ComputeApp {
  return { pid, name, usedBytes, gpuUuid };
}
