/**
 * The contract's request handlers, implemented once; both transports (Electron IPC, HTTP) call
 * these. Every failure is a Result error with a sentence, never a throw.
 */
import type { Handlers, PlanResponse } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import { contextSearchLimit, predictForModel } from '../../shared/estimator/predict';
import type { DeliveryPolicy } from '../alerts/delivery-policy';
import type { AlertLog } from '../alerts/alert-log';
import { unloadOllamaModel } from '../alerts/ollama-unload';
import { computePlan } from '../models/plan';
import { identifyBackend } from '../collectors/backends/discovery';
import { streamExport } from '../history/export';
import { exportFileName } from '../../shared/history/export-path';
import type { HistoryStore } from '../history/history-store';
import type { ModelResolver } from '../models/resolver';
import type { SettingsController } from '../settings/settings-controller';
import { hostPort } from '../util/http';
import type { Logger } from '../util/logger';
import { createProbeHandlers } from '../probe/handlers';
import type { ProbeService } from '../probe/service';
import { queryHistory } from './history-query';
import type { Monitor } from './monitor';

export interface HandlerDeps {
  monitor: Monitor;
  history: HistoryStore | null;
  settings: SettingsController;
  policy: DeliveryPolicy;
  alertLog: AlertLog;
  resolver: ModelResolver;
  logger: Logger;
  /** Context probes (issue 16); null in demo mode. */
  probes?: ProbeService | null;
  /** Sends a test message to a webhook URL (null: the configured one). */
  testWebhook?: (url: string | null) => Promise<{ ok: boolean; message: string }>;
  now?: () => number;
}

const kindNames = { ollama: 'Ollama', vllm: 'vLLM', llamacpp: 'llama.cpp server', lmstudio: 'LM Studio', openai: 'an OpenAI-compatible server' } as const;

/** Every request but the fleet's (src-main/fleet/fleet-handlers.ts); create-core.ts joins the two. */
export function createHandlers(deps: HandlerDeps): Omit<Handlers, 'getFleet' | 'testWatchedServer'> {
  const now = deps.now ?? Date.now;
  return {
    ...createProbeHandlers(deps.probes ?? null),
    async getSnapshot() {
      const s = deps.monitor.latest();
      return s ? ok(s) : err('unavailable', 'No Snapshot yet: the first tick has not finished. Try again in a second.');
    },
    async getHistory(params) {
      return ok(await queryHistory(deps.monitor, deps.history, params));
    },
    async getSettings() {
      return ok(deps.settings.view());
    },
    async updateSettings(patch) {
      return deps.settings.update(patch);
    },
    async testBackend({ url, apiKey }) {
      let parsed: URL;
      try {
        parsed = new URL(/^https?:\/\//.test(url) ? url : `http://${url}`);
      } catch {
        return err('bad-request', `url: "${url}" is not a URL.`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return err('bad-request', 'url: must be http:// or https://.');
      const kind = await identifyBackend(parsed.origin, { timeoutMs: 3000, apiKey: apiKey ?? null });
      return ok({
        kind,
        message: kind ? `${hostPort(parsed.origin)} answers as ${kindNames[kind]}.` : `No known LLM server answers at ${hostPort(parsed.origin)}. Is it running, and is the port right?`,
      });
    },
    async exportHistory({ sinceMs, untilMs, format }) {
      if (!deps.history) return err('unavailable', 'History is not stored on disk in this session (demo mode, or no data folder): nothing to export.');
      // Read line by line into the file's pieces (no sample objects kept); the headless
      // dashboard streams the same bytes from GET /api/export instead.
      const t = now();
      const pieces: string[] = [];
      const r = await streamExport(deps.history.directory, { sinceMs, untilMs: untilMs ?? t, format }, (chunk) => void pieces.push(chunk));
      return ok({
        fileName: exportFileName(t, format),
        mimeType: format === 'csv' ? 'text/csv' : 'application/json',
        text: pieces.join(''),
        skippedLines: r.skipped,
      });
    },
    async unloadModel({ backendId, model }) {
      const backend = deps.monitor.getBackends().find((b) => b.id === backendId);
      if (!backend) return err('bad-request', `backendId: no server ${backendId} is being monitored.`);
      if (backend.kind !== 'ollama') return err('bad-request', `backendId: ${backendId} is not Ollama; only Ollama models can be unloaded from Headroom.`);
      const r = await unloadOllamaModel(backend.url, model, { timeoutMs: 10_000 });
      deps.logger.info(`unload ${model} on ${backendId}: ${r.ok ? r.value : r.error.message}`);
      return r.ok ? ok({ message: r.value }) : r;
    },
    async snoozeAlerts({ durationMs }) {
      if (durationMs === 0) {
        deps.policy.unsnooze('*');
        return ok({ message: 'Alert notifications are back on.' });
      }
      const s = deps.policy.snooze('*', durationMs === null ? 'until-restart' : durationMs);
      return ok({
        message: s.untilMs === null ? 'Alert notifications snoozed until Headroom restarts.' : `Alert notifications snoozed until ${new Date(s.untilMs).toLocaleTimeString()}.`,
      });
    },
    async testWebhook(params) {
      if (!deps.testWebhook) return err('unavailable', 'Webhook delivery is not available here.');
      const r = await deps.testWebhook(params?.url ?? null);
      return r.ok ? ok({ message: r.message }) : err('unavailable', r.message);
    },
    async getAlertLog(params) {
      return ok(deps.alertLog.list((params as { limit?: number } | undefined)?.limit ?? 100));
    },
    async planModel(req) {
      const resolved = deps.resolver.fromCatalog(req.model);
      if (!resolved.ok) return err('bad-request', `model: ${resolved.error.message}`);
      const plan = computePlan(resolved.value, {
        gpuBytes: req.gpuTotalBytes,
        model: req.model,
        gguf: null,
        quant: req.quant ?? null,
        ctxTokens: req.contextTokens,
        kv: ['f16', 'q8_0', 'q4_0'] as KvCacheType[],
        users: req.users ?? null,
        json: true,
        thresholdRatio: (req.thresholdPct ?? 90) / 100,
      });
      if (!plan.ok) return err('bad-request', plan.message);
      const v = plan.value;
      const arch = resolved.value.architecture;
      const limit = contextSearchLimit(arch, req.contextTokens);
      const curveRun = predictForModel(arch, {
        gpuTotalBytes: req.gpuTotalBytes,
        thresholdRatio: (req.thresholdPct ?? 90) / 100,
        weightsBytes: v.weightsBytes,
        weightsIsEstimate: v.weightsIsEstimate,
        cacheTypes: ['f16', 'q8_0', 'q4_0'],
        maxContextTokens: limit,
      });
      const response: PlanResponse = {
        model: String(v.model),
        architecture: v.architecture,
        gpuTotalBytes: req.gpuTotalBytes,
        thresholdBytes: curveRun.ok ? curveRun.value.thresholdBytes : v.thresholdBytes,
        weightsBytes: v.weightsBytes,
        weightsIsEstimate: v.weightsIsEstimate,
        quant: v.quant,
        overheadBytes: v.overheadBytes,
        contextTokens: v.contextTokens,
        atContext: v.atContext,
        concurrency: v.concurrency,
        users: v.users,
        curves: curveRun.ok
          ? curveRun.value.curves.map((c) => ({ cacheType: c.cacheType, largestContextTokens: c.largestContextTokens, points: c.points.map((p) => ({ contextTokens: p.contextTokens, totalBytes: p.totalBytes })) }))
          : [],
        contextLengthTrain: arch.contextLengthTrain,
        estimates: v.estimates,
        notes: v.notes,
        ruleSet: v.ruleSet,
      };
      return ok(response);
    },
  };
}
