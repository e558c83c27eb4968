import { ollamaKvCacheRestart, smallerContext, type CommandShell } from '../../../shared/alerts/remedies';
import type { Alert, BackendKind, BackendReading, LoadedModel, Snapshot } from '../../../shared/model/snapshot';
import { formatGiB } from '../../../shared/units/bytes';
import { ruleKeyOf } from '../settings/rule-keys';

/** A model an alert is about (or that sits on the GPU an alert is about). */
export interface AlertModel {
  backend: BackendReading;
  model: LoadedModel;
}

/** The model named in a backend alert id (`spill:ollama@127.0.0.1:11434:qwen2.5:14b` → `qwen2.5:14b`). */
export function modelNameOf(alert: Alert): string | null {
  const prefix = `${ruleKeyOf(alert.id)}:${alert.sourceId}:`;
  if (!alert.id.startsWith(prefix)) return null;
  const rest = alert.id.slice(prefix.length).replace(/#\d+$/, '');
  return rest || null;
}

/**
 * Models on one GPU: those whose prediction names the GPU, else those of servers whose
 * processes the GPU lists, else (no way to tell) every loaded model when there is one GPU.
 */
export function modelsOnGpu(gpuId: string, snapshot: Snapshot): AlertModel[] {
  const gpu = snapshot.gpus.find((g) => g.id === gpuId);
  const procIds = new Set((gpu?.processes ?? []).map((p) => p.backendId).filter((id): id is string => id !== null));
  const out: AlertModel[] = [];
  for (const backend of snapshot.backends) {
    if (backend.status !== 'up') continue;
    for (const model of backend.models) {
      const predicted = model.prediction?.gpuId;
      const onIt = predicted ? predicted === gpuId : procIds.size > 0 ? procIds.has(backend.id) : snapshot.gpus.length <= 1;
      if (onIt) out.push({ backend, model });
    }
  }
  return out;
}

/** The models an alert concerns: the one its id names, or those on its GPU. */
export function modelsFor(alert: Alert, snapshot: Snapshot): AlertModel[] {
  if (alert.sourceId.startsWith('gpu:')) return modelsOnGpu(alert.sourceId, snapshot);
  const backend = snapshot.backends.find((b) => b.id === alert.sourceId);
  const name = modelNameOf(alert);
  if (!backend || !name) return [];
  const model = backend.models.find((m) => m.name === name);
  return model ? [{ backend, model }] : [];
}

/** Alerts about memory or context pressure get "reload smaller" guidance; down/unauthorized do not. */
export function wantsReloadGuidance(alert: Alert): boolean {
  return alert.kind !== 'backend-down' && alert.kind !== 'unauthorized';
}

/** One-click unloads an alert offers: Ollama models only (`keep_alive: 0`). */
export function unloadTargets(alert: Alert, snapshot: Snapshot): AlertModel[] {
  if (alert.kind === 'backend-down' || alert.kind === 'unauthorized') return [];
  return modelsFor(alert, snapshot).filter((m) => m.backend.kind === 'ollama');
}

export interface ReloadGuidance {
  kind: BackendKind;
  model: string;
  contextTokens: number;
  /** Why this context ("half of the 8,192 tokens it runs with"). */
  why: string;
  /** The exact command(s), one per line, ready to paste. */
  command: string;
}

/**
 * "Reload with a smaller context / quantized KV" for a model: the exact command for its server
 * (flags from shared/alerts/remedies.ts). Context: half the current one (at least 2048 tokens).
 */
export function reloadGuidance({ backend, model }: AlertModel, shell: CommandShell = 'posix'): ReloadGuidance | null {
  const current = model.contextLength ?? null;
  const ctx = smallerContext(current) ?? current ?? 4096;
  const why = current === null ? 'context unknown; 4,096 tokens is a safe start' : ctx < current ? `half of the ${current.toLocaleString()} tokens it runs with` : `the ${current.toLocaleString()} tokens it runs with, with a quantized KV cache`;
  const m = model.name;
  switch (backend.kind) {
    case 'ollama':
      return {
        kind: 'ollama',
        model: m,
        contextTokens: ctx,
        why,
        // POSIX: stop the model, restart `ollama serve` with the variables. Windows (PowerShell):
        // setx + restart the Ollama tray app (shared/alerts/remedies.ts), never `VAR=x cmd`.
        command: [`ollama stop ${m}`, ...ollamaKvCacheRestart(shell), `ollama run ${m}`, `/set parameter num_ctx ${ctx}`].join('\n'),
      };
    case 'llamacpp':
      return { kind: 'llamacpp', model: m, contextTokens: ctx, why, command: `llama-server -m <${m}.gguf> -c ${ctx} --cache-type-k q8_0 --cache-type-v q8_0 -fa on` };
    case 'vllm': {
      const ratio = model.cacheConfig?.gpuMemoryUtilizationRatio ?? null;
      const util = ratio === null ? 0.85 : Math.max(0.5, Math.round((ratio - 0.05) * 100) / 100);
      return { kind: 'vllm', model: m, contextTokens: ctx, why, command: `vllm serve ${m} --max-model-len ${ctx} --gpu-memory-utilization ${util.toFixed(2)}` };
    }
    case 'lmstudio':
      return { kind: 'lmstudio', model: m, contextTokens: ctx, why, command: [`lms unload ${m}`, `lms load ${m} --context-length ${ctx}`].join('\n') };
    default:
      return null;
  }
}

/** "qwen2.5-coder:14b (9.8 GiB on GPU)" for buttons and dialogs. */
export function describeModel({ model }: AlertModel): string {
  return model.vramBytes ? `${model.name} (${formatGiB(model.vramBytes)} on GPU)` : model.name;
}
