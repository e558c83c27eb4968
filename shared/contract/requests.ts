import type { AlertTransition } from '../alerts/rules';
import type { BackendKind, Snapshot } from '../model/snapshot';
import type { ProbeReport, ProbeRequest, ProbeSummary } from './probe';
import type { FleetSnapshot } from './fleet';
import type { Result } from './result';
import type { SettingsPatch, SettingsView } from './settings';

/** One sample of history for one GPU (the timeline). */
export interface HistoryPoint {
  atMs: number;
  gpuId: string;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  /** Who held the used memory at that time (LLM servers, other apps), where processes were listed. */
  owners?: OwnerShare[];
}

/** One owner's share of a GPU's used memory (see `GpuReading.owners`). */
export interface OwnerShare {
  label: string;
  bytes: number;
}

/** A GPU's owners with known bytes, where processes were listed (else none: all would read "unlisted"). */
export function gpuOwnerShares(gpu: { processes?: readonly unknown[]; owners?: readonly { label: string; bytes: number | null }[] }): OwnerShare[] | undefined {
  return gpu.processes?.length ? ownerShares(gpu.owners) : undefined;
}

/** The owners of a GPU reading with known bytes, for history points. */
export function ownerShares(owners: readonly { label: string; bytes: number | null }[] | undefined): OwnerShare[] | undefined {
  if (!owners?.length) return undefined;
  const known = owners.filter((o): o is { label: string; bytes: number } => o.bytes !== null && o.bytes > 0).map((o) => ({ label: o.label, bytes: o.bytes }));
  return known.length ? known : undefined;
}

/**
 * Every request the renderer can make. Add an entry here, to `requestNames` and to
 * `requestSchemas` (schemas.ts); the type checker then lists every handler and client to update.
 */
export interface Requests {
  /** The latest Snapshot (or an `unavailable` error before the first tick). */
  getSnapshot: { params: void; result: Snapshot };
  /**
   * Per-GPU memory samples with sinceMs ≤ atMs ≤ untilMs (epoch ms), oldest first; from memory
   * for the last hour, from the persisted history beyond. With `maxPoints`, each GPU's series is
   * downsampled (min/max-preserving) to about that many points.
   */
  getHistory: { params: { sinceMs: number; untilMs?: number; maxPoints?: number }; result: HistoryPoint[] };
  /** The settings in effect (API keys are never returned, only whether one is set). */
  getSettings: { params: void; result: SettingsView };
  /** Validates, saves and applies a settings change without a restart. `bad-request` names the field. */
  updateSettings: { params: SettingsPatch; result: SettingsView };
  /** Probes a server address and says what answers there (for the settings page). */
  testBackend: { params: { url: string; apiKey?: string | null }; result: { kind: BackendKind | null; message: string } };
  /** The persisted history of a time range as a file (CSV: one row per sample and GPU). */
  exportHistory: { params: { sinceMs: number; untilMs?: number; format: 'csv' | 'json' }; result: ExportFile };
  /** One-click fix: unloads a model from Ollama (`keep_alive: 0`). */
  unloadModel: { params: { backendId: string; model: string }; result: { message: string } };
  /** Snoozes alert notifications (`durationMs` null = until restart, 0 = end the snooze). Alerts stay visible. */
  snoozeAlerts: { params: { durationMs: number | null }; result: { message: string } };
  /** Recent alert transitions (raised/cleared), newest first. */
  getAlertLog: { params: { limit?: number }; result: AlertTransition[] };
  /** Sends one test message to the webhook (the given URL, else the saved one); `message` says what the receiver answered. */
  testWebhook: { params: { url?: string | null }; result: { message: string } };
  /** The planner: what fits for a model (from the built-in catalog) on a GPU. */
  planModel: { params: PlanRequest; result: PlanResponse };
  /**
   * Context probe (issue 16), state-changing: loads the model at growing contexts on the server,
   * then restores it. Starts a run and returns its first report (status `running`); poll `getProbe`.
   * `unavailable` when another probe is running or probes are off (demo mode).
   */
  startProbe: { params: ProbeRequest; result: ProbeReport };
  /** State-changing: stops a running probe after its current request; the server is restored as after any stop. */
  cancelProbe: { params: { id: string }; result: { message: string } };
  /** Saved and running probes, newest first. */
  listProbes: { params: void; result: ProbeSummary[] };
  /** One probe's report; while running, with live progress (current step, estimated time left). */
  getProbe: { params: { id: string }; result: ProbeReport };
  /** One probe's report as a file: CSV (one row per step) or JSON (the whole report). */
  exportProbe: { params: { id: string; format: 'csv' | 'json' }; result: ExportFile };
  /** This machine and the watched Headroom servers (the local machine alone when none is watched). */
  getFleet: { params: void; result: FleetSnapshot };
  /**
   * Tries a Headroom server to watch: its health and Snapshot with the token, and says what
   * answers ("reached gpu-server-1: 2 GPUs, vLLM up"). A stored token is used when `token` is absent.
   */
  testWatchedServer: { params: { url: string; token?: string | null }; result: { ok: boolean; label: string | null; message: string } };
}

export interface ExportFile {
  fileName: string;
  mimeType: string;
  text: string;
  /** Damaged lines skipped while reading. */
  skippedLines: number;
}

export interface PlanRequest {
  /** Catalog name or alias (e.g. `qwen2.5-coder:14b`). */
  model: string;
  gpuTotalBytes: number;
  /** Weight quantization, e.g. Q4_K_M; default: the catalog's. */
  quant?: string;
  /** Context per user, tokens. */
  contextTokens: number;
  users?: number;
  /** Threshold, percent of the GPU. Default 90. */
  thresholdPct?: number;
}

export interface PlanResponse {
  model: string;
  architecture: string;
  gpuTotalBytes: number;
  thresholdBytes: number;
  weightsBytes: number;
  weightsIsEstimate: boolean;
  quant: string;
  overheadBytes: number;
  contextTokens: number;
  atContext: { cacheType: string; error: string | null; kvBytes: number | null; computeBytes?: number | null; totalBytes: number | null; fits: boolean; largestContextTokens: number | null; bytesPerToken: number | null }[];
  concurrency: { perUserContextTokens: number; cacheType: string; maxSequences: number | null }[];
  users: { users: number; perUserContextTokens: number; rows: { cacheType: string; kvBytes: number | null; fits: boolean }[] } | null;
  /** VRAM against context per KV type (for the chart). */
  curves: { cacheType: string; points: { contextTokens: number; totalBytes: number }[]; largestContextTokens: number | null }[];
  contextLengthTrain: number | null;
  estimates: string[];
  notes: string[];
  /** The llama.cpp allocation rules the figures follow (as a model card's `ruleSet`). */
  ruleSet?: string;
}

export type RequestName = keyof Requests;
export type ParamsOf<N extends RequestName> = Requests[N]['params'];
export type ResultOf<N extends RequestName> = Requests[N]['result'];

export const requestNames = [
  'getSnapshot',
  'getHistory',
  'getSettings',
  'updateSettings',
  'testBackend',
  'exportHistory',
  'unloadModel',
  'snoozeAlerts',
  'getAlertLog',
  'testWebhook',
  'planModel',
  'startProbe',
  'cancelProbe',
  'listProbes',
  'getProbe',
  'exportProbe',
  'getFleet',
  'testWatchedServer',
] as const satisfies readonly RequestName[];

/** Compile-time check that `requestNames` lists every request. */
type Missing = Exclude<RequestName, (typeof requestNames)[number]>;
export const requestNamesComplete: Missing extends never ? true : never = true;

/** What both transports call: implemented once in src-main/monitor/. */
export type Handlers = { [N in RequestName]: (params: ParamsOf<N>) => Promise<Result<ResultOf<N>>> };
