/**
 * Prometheus `/metrics`: a view of the latest Snapshot (not part of the contract), rendered on
 * scrape. Conventions (README "Prometheus"): base units in the name (`_bytes`, `_seconds`,
 * `_ratio`, `_tokens`), `_total` for counters, stable labels only (`gpu`, `uuid`, `backend`,
 * `kind`, `model`, `cache_type`, `severity`, ...; never a status or a message), and a bound on
 * series per metric so a hostile backend cannot make the scrape unbounded. No process
 * "default metrics": they would wake the process on their own timers.
 */
import { computeCapacity } from '../../shared/capacity/capacity';
import type { Snapshot } from '../../shared/model/snapshot';

export interface MetricsView {
  contentType: string;
  render(): Promise<string>;
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Labels; value: number }[];
}

/** At most this many series per metric family. */
export const MAX_SERIES_PER_METRIC = 512;
const MAX_LABEL_VALUE = 128;

const escapeLabel = (v: string) => v.slice(0, MAX_LABEL_VALUE).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderFamilies(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    const seen = new Set<string>();
    for (const s of f.samples) {
      if (seen.size >= MAX_SERIES_PER_METRIC) break;
      if (!Number.isFinite(s.value)) continue;
      const keys = Object.keys(s.labels);
      const labels = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(s.labels[k]!)}"`).join(',')}}` : '';
      if (seen.has(labels)) continue; // a duplicate series would fail the whole scrape
      seen.add(labels);
      out.push(`${f.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function snapshotFamilies(s: Snapshot | null, extra: { capacity?: { perUserContextTokens?: number; ollamaNumParallel?: number } } = {}): Family[] {
  const fam = (name: string, help: string, type: Family['type'] = 'gauge'): Family => ({ name, help, type, samples: [] });
  const info = fam('headroom_gpu_info', 'GPU identity (value 1): name and vendor as labels');
  const used = fam('headroom_gpu_memory_used_bytes', 'GPU memory in use, bytes');
  const total = fam('headroom_gpu_memory_total_bytes', 'GPU memory total, bytes');
  const free = fam('headroom_gpu_memory_free_bytes', 'GPU memory free, bytes');
  const usedRatio = fam('headroom_gpu_memory_used_ratio', 'GPU memory in use over total, 0-1');
  const warnRatio = fam('headroom_gpu_memory_warning_ratio', 'Warning level for GPU memory in use, 0-1 (absent where VRAM alerts are off for the GPU)');
  const critRatio = fam('headroom_gpu_memory_critical_ratio', 'Critical level for GPU memory in use, 0-1 (absent where VRAM alerts are off for the GPU)');
  const util = fam('headroom_gpu_utilization_ratio', 'GPU utilization, 0-1');
  const shared = fam('headroom_gpu_shared_memory_used_bytes', 'Shared system RAM the GPU uses (Windows; spill when above a floor), bytes');
  const owner = fam('headroom_gpu_owner_bytes', 'GPU memory held per owner kind (LLM servers, other apps, unlisted), bytes');
  const sysTotal = fam('headroom_system_memory_total_bytes', 'System RAM total, bytes');
  const sysUsed = fam('headroom_system_memory_used_bytes', 'System RAM in use (total - available), bytes');
  const swapUsed = fam('headroom_system_swap_used_bytes', 'Swap in use, bytes');
  const backendUp = fam('headroom_backend_up', '1 when the LLM server answers, else 0');
  const modelCtx = fam('headroom_model_context_tokens', 'Context length the loaded model serves per sequence, tokens');
  const modelVram = fam('headroom_model_vram_bytes', 'Bytes of the loaded model resident in GPU memory');
  const modelKv = fam('headroom_model_kv_cache_bytes', 'KV-cache bytes at the loaded context');
  const kvUsage = fam('headroom_model_kv_cache_usage_ratio', 'Fraction of KV-cache blocks in use (vLLM), 0-1');
  const kvCap = fam('headroom_model_kv_cache_capacity_tokens', 'KV-cache capacity, tokens (vLLM blocks x block size; llama.cpp slots)');
  const running = fam('headroom_model_requests_running', 'Requests being generated now');
  const waiting = fam('headroom_model_requests_waiting', 'Requests queued, waiting for KV-cache room');
  const preempt = fam('headroom_model_preemptions_total', 'vLLM preemptions since the server started (counter)', 'counter');
  const largestCtx = fam('headroom_model_largest_context_tokens', 'Largest context under the critical threshold per KV cache type (memory model), tokens');
  const slotsTotal = fam('headroom_model_slots', 'llama.cpp slots');
  const slotsBusy = fam('headroom_model_slots_processing', 'llama.cpp slots processing a request');
  const slotFill = fam('headroom_slot_context_fill_ratio', 'Context fill of each llama.cpp slot, 0-1');
  const alerts = fam('headroom_alerts_active', 'Active alerts by severity and kind');
  const sourceUp = fam('headroom_source_up', '1 when the source (nvidia-smi, system, ...) reports, else 0');
  const snapshotTime = fam('headroom_snapshot_timestamp_seconds', 'Time of the latest Snapshot, Unix seconds');
  const capUsers = fam('headroom_capacity_users', 'Concurrent users whose whole context fits, at 4k/8k/32k tokens per user (context_tokens label)');
  const capRoom = fam('headroom_capacity_room_users', 'More users that fit now before requests queue, at the configured context per user');
  const families = [info, used, total, free, usedRatio, warnRatio, critRatio, util, shared, owner, sysTotal, sysUsed, swapUsed, backendUp, modelCtx, modelVram, modelKv, kvUsage, kvCap, running, waiting, preempt, largestCtx, slotsTotal, slotsBusy, slotFill, alerts, sourceUp, snapshotTime, capUsers, capRoom];
  if (!s) return families;
  snapshotTime.samples.push({ labels: {}, value: s.atMs / 1000 });
  for (const g of s.gpus) {
    const labels = { gpu: g.id, uuid: g.uuid ?? '' };
    info.samples.push({ labels: { ...labels, name: g.name, vendor: g.vendor }, value: 1 });
    used.samples.push({ labels, value: g.memoryUsedBytes });
    total.samples.push({ labels, value: g.memoryTotalBytes });
    free.samples.push({ labels, value: g.memoryFreeBytes });
    if (g.memoryTotalBytes > 0) usedRatio.samples.push({ labels, value: g.memoryUsedBytes / g.memoryTotalBytes });
    const tier = s.thresholds?.perGpu?.[g.id] ?? (s.thresholds ? { ...s.thresholds, ignoreVram: false } : null);
    if (tier && !tier.ignoreVram) {
      warnRatio.samples.push({ labels, value: tier.warningPct / 100 });
      critRatio.samples.push({ labels, value: tier.criticalPct / 100 });
    }
    if (g.utilizationPct !== null) util.samples.push({ labels, value: g.utilizationPct / 100 });
    if (g.sharedUsedBytes != null) shared.samples.push({ labels, value: g.sharedUsedBytes });
    if (g.processes?.length) {
      // By owner kind (llm / other / unattributed): owner labels from process names would be unbounded.
      const byKind = new Map<string, number>();
      for (const o of g.owners ?? []) if (o.bytes !== null) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + o.bytes);
      for (const [kind, bytes] of byKind) owner.samples.push({ labels: { ...labels, kind }, value: bytes });
    }
  }
  if (s.system) {
    sysTotal.samples.push({ labels: {}, value: s.system.memoryTotalBytes });
    sysUsed.samples.push({ labels: {}, value: s.system.memoryUsedBytes });
    swapUsed.samples.push({ labels: {}, value: s.system.swapUsedBytes });
  }
  for (const b of s.backends) {
    backendUp.samples.push({ labels: { backend: b.id, kind: b.kind }, value: b.status === 'up' ? 1 : 0 });
    for (const m of b.models) {
      const labels = { backend: b.id, model: m.name };
      if (m.contextLength !== null) modelCtx.samples.push({ labels, value: m.contextLength });
      if (m.vramBytes !== null) modelVram.samples.push({ labels, value: m.vramBytes });
      if (m.kvCacheBytes !== null) modelKv.samples.push({ labels, value: m.kvCacheBytes });
      if (m.kvCacheUsageRatio != null) kvUsage.samples.push({ labels, value: m.kvCacheUsageRatio });
      if (m.kvCacheCapacityTokens != null) kvCap.samples.push({ labels, value: m.kvCacheCapacityTokens });
      if (m.requestsRunning != null) running.samples.push({ labels, value: m.requestsRunning });
      if (m.requestsWaiting != null) waiting.samples.push({ labels, value: m.requestsWaiting });
      if (m.preemptionsTotal != null) preempt.samples.push({ labels, value: m.preemptionsTotal });
      for (const c of m.prediction?.curves ?? []) if (c.largestContextTokens !== null) largestCtx.samples.push({ labels: { ...labels, cache_type: c.cacheType }, value: c.largestContextTokens });
      if (m.slots?.length) {
        slotsTotal.samples.push({ labels, value: m.slots.length });
        slotsBusy.samples.push({ labels, value: m.slots.filter((x) => x.processing).length });
        for (const slot of m.slots) if (slot.usedTokens !== null && slot.contextTokens > 0) slotFill.samples.push({ labels: { ...labels, slot: String(slot.id) }, value: slot.usedTokens / slot.contextTokens });
      }
    }
  }
  const counts = new Map<string, number>();
  for (const a of s.alerts) counts.set(`${a.severity}\u0000${a.kind}`, (counts.get(`${a.severity}\u0000${a.kind}`) ?? 0) + 1);
  for (const [key, n] of counts) {
    const [severity, kind] = key.split('\u0000') as [string, string];
    alerts.samples.push({ labels: { severity, kind }, value: n });
  }
  const cap = computeCapacity(s, [], extra.capacity);
  for (const m of cap.models) {
    const labels = { backend: m.backendId, model: m.model };
    for (const u of m.usersAt) if (u.users !== null && [4096, 8192, 32768].includes(u.contextTokens)) capUsers.samples.push({ labels: { ...labels, context_tokens: String(u.contextTokens) }, value: u.users });
    if (m.moreUsers !== null) capRoom.samples.push({ labels, value: m.moreUsers });
  }
  for (const src of s.sources) sourceUp.samples.push({ labels: { source: src.id }, value: src.status === 'ok' ? 1 : 0 });
  return families;
}

export function createMetrics(latest: () => Snapshot | null, capacity?: { perUserContextTokens?: number; ollamaNumParallel?: number }): MetricsView {
  // One rendering per Snapshot: scrapes between ticks (several Prometheus servers, retries) cost nothing.
  let renderedFor: Snapshot | null | undefined;
  let text = '';
  return {
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    async render() {
      const s = latest();
      if (s !== renderedFor) {
        text = renderFamilies(snapshotFamilies(s, { capacity }));
        renderedFor = s;
      }
      return text;
    },
  };
}
