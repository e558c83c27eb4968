/**
 * Who holds each GPU's memory: each LLM server (recognised by its process name) and "other apps".
 * Pure: takes the GPU readings, the per-process list (nvidia-smi compute apps, with Windows
 * `GPU Process Memory` counters filling in the `[N/A]` that WDDM gives) and the monitored
 * backends, and returns the split the dashboard stacks.
 */
import type { BackendKind, GpuProcess } from '../../../shared/model/snapshot';
import { backendLabels } from '../backends/http/backend-status';
import type { ComputeApp } from './compute-apps.parse';

/** Per-process bytes from Windows counters, for one adapter (the shape of gpu/windows-counters.parse's AdapterUsage). */
export interface AdapterProcessMemory {
  adapter: string;
  processes: ReadonlyArray<{ pid: number; dedicatedBytes: number | null }>;
}

export interface MonitoredBackend {
  id: string;
  kind: BackendKind;
}

export interface AttributionGpu {
  id: string;
  uuid: string | null;
  memoryUsedBytes: number;
}

export interface MemoryShare {
  /** The monitored backend this memory belongs to; null when several servers of the kind run, or none is monitored. */
  backendId: string | null;
  kind: BackendKind;
  /** "vLLM 127.0.0.1:8000", "llama.cpp (2 servers)", "Ollama (not monitored)". */
  label: string;
  /** null when no listed process of this server reported its memory. */
  usedBytes: number | null;
  pids: number[];
}

export interface GpuAttribution {
  gpuId: string;
  usedBytes: number;
  /** One entry per LLM server, largest first. */
  servers: MemoryShare[];
  /** Processes that are not LLM servers; null when their memory is not reported. */
  otherAppsBytes: number | null;
  /** Used memory no listed process accounts for (driver, graphics-only apps, other containers); null when unknown. */
  unattributedBytes: number | null;
  /** The listed processes, with `backendId` set where one is known, for `GpuReading.processes`. */
  processes: GpuProcess[];
}

const PYTHON = /^python(\d+(\.\d+)*)?(\.exe)?$/i;

/**
 * The LLM server kind a process name belongs to, or null. `python` counts as vLLM only while a
 * vLLM server is monitored (vLLM runs as a Python process; so do many other apps).
 */
export function llmKindOfProcess(name: string, backends: readonly MonitoredBackend[] = []): BackendKind | null {
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  if (base.includes('ollama')) return 'ollama';
  if (/llama[-_]server|llama\.cpp|llama-cpp/.test(base)) return 'llamacpp';
  if (base.includes('vllm')) return 'vllm';
  if (/lm ?studio|lmstudio|llmworker/.test(base) || /[\\/]lm studio[\\/]/i.test(name)) return 'lmstudio';
  if (PYTHON.test(base) && backends.some((b) => b.kind === 'vllm')) return 'vllm';
  return null;
}

/**
 * Fills `[N/A]` process memory (Windows WDDM) from the `GPU Process Memory` counters. The NVIDIA
 * adapter is the one whose counters hold the most dedicated bytes for the pids nvidia-smi listed
 * (nvidia-smi lists only processes on its own GPUs); an iGPU's entries for the same pid are ignored.
 */
export function fillFromWindowsCounters(apps: readonly ComputeApp[], adapters: readonly AdapterProcessMemory[]): ComputeApp[] {
  const pids = new Set(apps.map((a) => a.pid));
  let best: { adapter: AdapterProcessMemory; bytes: number } | null = null;
  for (const adapter of adapters) {
    const bytes = adapter.processes.reduce((sum, p) => sum + (pids.has(p.pid) ? (p.dedicatedBytes ?? 0) : 0), 0);
    if (bytes > 0 && (!best || bytes > best.bytes)) best = { adapter, bytes };
  }
  if (!best) return [...apps];
  const byPid = new Map(best.adapter.processes.map((p) => [p.pid, p.dedicatedBytes]));
  return apps.map((a) => (a.usedBytes !== null ? a : { ...a, usedBytes: byPid.get(a.pid) ?? null }));
}

/**
 * Splits each GPU's used memory between the LLM servers and other apps. A process without a GPU
 * UUID is put on the only GPU when there is one, and left out otherwise.
 */
export function attributeGpuMemory(input: {
  gpus: readonly AttributionGpu[];
  apps: readonly ComputeApp[];
  backends: readonly MonitoredBackend[];
}): GpuAttribution[] {
  const { gpus, apps, backends } = input;
  return gpus.map((gpu) => {
    const mine = apps.filter((a) => (a.gpuUuid !== null ? a.gpuUuid === gpu.uuid : gpus.length === 1));
    const shares = new Map<string, MemoryShare>();
    const processes: GpuProcess[] = [];
    let otherKnown = 0;
    let otherWithMemory = 0;
    let otherCount = 0;
    let allKnown = true;
    for (const app of mine) {
      if (app.usedBytes === null) allKnown = false;
      const kind = llmKindOfProcess(app.name, backends);
      if (kind === null) {
        otherCount++;
        if (app.usedBytes !== null) {
          otherKnown += app.usedBytes;
          otherWithMemory++;
        }
        processes.push({ pid: app.pid, name: app.name, usedBytes: app.usedBytes, backendId: null });
        continue;
      }
      const owner = ownerOf(kind, backends);
      processes.push({ pid: app.pid, name: app.name, usedBytes: app.usedBytes, backendId: owner.backendId });
      const key = owner.backendId ?? `kind:${kind}`;
      const share = shares.get(key) ?? { ...owner, kind, usedBytes: null, pids: [] };
      share.pids.push(app.pid);
      if (app.usedBytes !== null) share.usedBytes = (share.usedBytes ?? 0) + app.usedBytes;
      shares.set(key, share);
    }
    const servers = [...shares.values()].sort((a, b) => (b.usedBytes ?? -1) - (a.usedBytes ?? -1));
    const listed = mine.reduce((sum, a) => sum + (a.usedBytes ?? 0), 0);
    return {
      gpuId: gpu.id,
      usedBytes: gpu.memoryUsedBytes,
      servers,
      otherAppsBytes: otherCount > 0 && otherWithMemory === 0 ? null : otherKnown,
      unattributedBytes: allKnown ? Math.max(0, gpu.memoryUsedBytes - listed) : null,
      processes,
    };
  });
}

function ownerOf(kind: BackendKind, backends: readonly MonitoredBackend[]): { backendId: string | null; label: string } {
  const same = backends.filter((b) => b.kind === kind);
  const label = backendLabels[kind];
  if (same.length === 1 && same[0]) return { backendId: same[0].id, label: `${label} ${same[0].id.split('@')[1] ?? ''}`.trim() };
  if (same.length > 1) return { backendId: null, label: `${label} (${same.length} servers)` };
  return { backendId: null, label: `${label} (not monitored)` };
}

/**
 * Ollama's CPU/GPU split as a sentence: "100% on GPU", "70% on GPU — spilled to system RAM",
 * "CPU only"; null when the sizes make no sense (the same cases `ollama ps` prints "Unknown").
 */
export function gpuShareSummary(sizeBytes: number | null, vramBytes: number | null): string | null {
  if (sizeBytes === null || vramBytes === null || sizeBytes <= 0 || vramBytes > sizeBytes || vramBytes < 0) return null;
  if (vramBytes === 0) return 'CPU only';
  if (vramBytes === sizeBytes) return '100% on GPU';
  // Same rounding as `ollama ps`: the CPU share is rounded, the GPU share is the rest.
  const cpuPct = Math.round(((sizeBytes - vramBytes) / sizeBytes) * 100);
  return `${100 - cpuPct}% on GPU — spilled to system RAM`;
}
