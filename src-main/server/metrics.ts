/** Prometheus /metrics: a view of the latest Snapshot (not part of the contract). */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Snapshot } from '../../shared/model/snapshot';

export interface MetricsView {
  registry: Registry;
  render(): Promise<string>;
}

export function createMetrics(latest: () => Snapshot | null): MetricsView {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'headroom_process_' });
  const gpuLabels = ['gpu', 'name', 'uuid'] as const;
  const gauge = (name: string, help: string, labelNames: readonly string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  const used = gauge('headroom_gpu_memory_used_bytes', 'GPU memory in use, bytes', gpuLabels);
  const total = gauge('headroom_gpu_memory_total_bytes', 'GPU memory total, bytes', gpuLabels);
  const free = gauge('headroom_gpu_memory_free_bytes', 'GPU memory free, bytes', gpuLabels);
  const util = gauge('headroom_gpu_utilization_ratio', 'GPU utilization, 0-1', gpuLabels);
  const sysTotal = gauge('headroom_system_memory_total_bytes', 'System RAM total, bytes', []);
  const sysUsed = gauge('headroom_system_memory_used_bytes', 'System RAM in use (total - available), bytes', []);
  const swapUsed = gauge('headroom_system_swap_used_bytes', 'Swap in use, bytes', []);
  const backendUp = gauge('headroom_backend_up', '1 when the LLM server answers, else 0', ['backend', 'kind', 'status']);
  const modelCtx = gauge('headroom_model_context_tokens', 'Context length the loaded model serves, tokens', ['backend', 'model']);
  const modelVram = gauge('headroom_model_vram_bytes', 'Bytes of the loaded model resident in GPU memory', ['backend', 'model']);
  const modelKv = gauge('headroom_model_kv_cache_bytes', 'KV-cache bytes at the loaded context', ['backend', 'model']);
  const modelKvUsage = gauge('headroom_model_kv_cache_usage_ratio', 'Fraction of KV-cache blocks in use (vLLM), 0-1', ['backend', 'model']);
  const alerts = gauge('headroom_alerts_active', 'Active alerts', ['severity', 'kind']);
  const owner = gauge('headroom_gpu_owner_bytes', 'GPU memory held per owner (LLM server, other apps, unlisted), bytes', ['gpu', 'owner', 'kind']);
  const largestCtx = gauge('headroom_model_largest_context_tokens', 'Largest context under the critical threshold per KV cache type (memory model), tokens', ['backend', 'model', 'cache_type']);
  const slotFill = gauge('headroom_slot_context_fill_ratio', 'Context fill of each llama.cpp slot, 0-1', ['backend', 'model', 'slot']);
  const snapshotAge = gauge('headroom_snapshot_timestamp_seconds', 'Time of the latest Snapshot, Unix seconds', []);
  const all = [used, total, free, util, backendUp, modelCtx, modelVram, modelKv, modelKvUsage, alerts, owner, largestCtx, slotFill];

  const refresh = () => {
    for (const g of all) g.reset();
    const s = latest();
    if (!s) return;
    snapshotAge.set(s.atMs / 1000);
    for (const g of s.gpus) {
      const labels = { gpu: g.id, name: g.name, uuid: g.uuid ?? '' };
      used.set(labels, g.memoryUsedBytes);
      total.set(labels, g.memoryTotalBytes);
      free.set(labels, g.memoryFreeBytes);
      if (g.utilizationPct !== null) util.set(labels, g.utilizationPct / 100);
      if (g.processes?.length) for (const o of g.owners ?? []) if (o.bytes !== null) owner.set({ gpu: g.id, owner: o.label, kind: o.kind }, o.bytes);
    }
    if (s.system) {
      sysTotal.set(s.system.memoryTotalBytes);
      sysUsed.set(s.system.memoryUsedBytes);
      swapUsed.set(s.system.swapUsedBytes);
    }
    for (const b of s.backends) {
      backendUp.set({ backend: b.id, kind: b.kind, status: b.status }, b.status === 'up' ? 1 : 0);
      for (const m of b.models) {
        const labels = { backend: b.id, model: m.name };
        if (m.contextLength !== null) modelCtx.set(labels, m.contextLength);
        if (m.vramBytes !== null) modelVram.set(labels, m.vramBytes);
        if (m.kvCacheBytes !== null) modelKv.set(labels, m.kvCacheBytes);
        if (m.kvCacheUsageRatio != null) modelKvUsage.set(labels, m.kvCacheUsageRatio);
        for (const c of m.prediction?.curves ?? []) if (c.largestContextTokens !== null) largestCtx.set({ ...labels, cache_type: c.cacheType }, c.largestContextTokens);
        for (const slot of m.slots ?? []) {
          if (slot.usedTokens !== null && slot.contextTokens > 0) slotFill.set({ ...labels, slot: String(slot.id) }, slot.usedTokens / slot.contextTokens);
        }
      }
    }
    const counts = new Map<string, number>();
    for (const a of s.alerts) counts.set(`${a.severity}\u0000${a.kind}`, (counts.get(`${a.severity}\u0000${a.kind}`) ?? 0) + 1);
    for (const [key, n] of counts) {
      const [severity, kind] = key.split('\u0000') as [string, string];
      alerts.set({ severity, kind }, n);
    }
  };

  return {
    registry,
    async render() {
      refresh();
      return registry.metrics();
    },
  };
}
