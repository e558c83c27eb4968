/**
 * Saved probe reports: one JSON file per run in `<data folder>/probes/`, written atomically
 * (temp file, then rename). A damaged file is skipped with a log line, never a crash.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeReport, ProbeSummary } from '../../shared/contract/probe';
import type { Logger } from '../util/logger';

export function summarize(r: ProbeReport): ProbeSummary {
  return {
    id: r.id,
    status: r.status,
    startedAtMs: r.startedAtMs,
    model: r.model,
    backendKind: r.backend.kind,
    cacheType: r.cacheType,
    stepCount: r.steps.length,
    largestUsableContextTokens: r.largestUsableContextTokens,
    stopReason: r.stopReason,
  };
}

export class ProbeStore {
  readonly dir: string;

  constructor(dataDir: string, private readonly logger: Logger) {
    this.dir = join(dataDir, 'probes');
  }

  async save(report: ProbeReport): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${report.id}.json`);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(report, null, 1)}\n`);
    await rename(tmp, file);
    return file;
  }

  async read(id: string): Promise<ProbeReport | null> {
    if (!/^[\w.-]{1,80}$/.test(id)) return null;
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as ProbeReport;
      return parsed && typeof parsed === 'object' && Array.isArray(parsed.steps) ? parsed : null;
    } catch {
      return null;
    }
  }

  /** Every saved report's summary, newest first. */
  async list(): Promise<ProbeSummary[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: ProbeSummary[] = [];
    for (const name of names) {
      const r = await this.read(name.slice(0, -5));
      if (r) out.push(summarize(r));
      else this.logger.warn(`probe: skipped ${join(this.dir, name)}: not a probe report`);
    }
    return out.sort((a, b) => b.startedAtMs - a.startedAtMs);
  }
}

const CSV_COLUMNS = [
  'step', 'context_tokens', 'prompt_tokens', 'outcome', 'peak_vram_bytes', 'size_bytes', 'size_vram_bytes', 'spilled',
  'predicted_bytes', 'prediction_error_pct', 'ttft_ms', 'tokens_per_s', 'prompt_tokens_per_s', 'load_ms', 'duration_ms', 'message',
] as const;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per step; a header row first. Text fields are quoted (and formula-like text neutralised). */
export function probeToCsv(r: ProbeReport): string {
  const rows = r.steps.map((s) =>
    [s.index + 1, s.contextTokens, s.promptTokens, s.outcome, s.peakVramBytes, s.sizeBytes, s.sizeVramBytes, s.isSpilled, s.predictedBytes, s.predictionErrorPct, s.ttftMs, s.tokensPerSecond, s.promptTokensPerSecond, s.loadMs, s.durationMs, s.message].map(cell).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
