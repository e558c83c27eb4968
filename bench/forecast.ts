/**
 * Forecast lead time and false alarms (issue 17.3): scripted VRAM traces through the real alert
 * engine with default settings, at poll intervals from 250 ms to 60 s. Lead time = seconds
 * between the forecast alert and the moment the noise-free level reaches critical (90%).
 * Targets: lead ≥ 60 s on 1 %/min; ≥ 5 s on 60 %/min at a 250 ms interval; 0 false alarms on
 * 1 h of flat noise (±1.5%), a sawtooth and single steps. Noise comes from a seeded PRNG, so
 * every run prints the same numbers.
 */
import { defaultAlertSettings } from '../shared/alerts/settings';
import { gaussian, gpuTicks, runTimeline, seededRandom } from '../shared/alerts/testing';

const SEED = 42;
const START_MS = 1_700_000_000_000;
/** Gaussian σ of the ramps' noise, percentage points. */
const RAMP_NOISE_PCT = 0.5;

/** One scenario's outcome. */
export interface ForecastScenarioResult {
  name: string;
  kind: 'lead' | 'quiet';
  /** Seconds from the forecast alert to the crossing; null when no forecast came before it. */
  leadSeconds: number | null;
  /** Target for the lead, seconds (null: printed only). */
  leadTargetSeconds: number | null;
  /** Seconds from the crossing to the critical alert. */
  criticalDelaySeconds: number | null;
  /** Forecasts raised that were wrong (quiet traces) or far too early (ramps). */
  falseAlarms: number;
  /** Kinds raised, in order ("forecast, threshold, …"). */
  raised: string[];
}

function clamp(pct: number): number {
  return Math.min(100, Math.max(0, pct));
}

/** `seconds` of `shape(t)` sampled every `intervalMs`, plus noise. */
function sample(shape: (s: number) => number, intervalMs: number, seconds: number, noise: (r: () => number) => number, r: () => number): number[] {
  const n = Math.ceil((seconds * 1000) / intervalMs);
  return Array.from({ length: n }, (_, i) => clamp(shape((i * intervalMs) / 1000) + noise(r)));
}

const gaussianNoise = (sigma: number) => (r: () => number) => gaussian(r) * sigma;
const uniformNoise = (half: number) => (r: () => number) => (r() * 2 - 1) * half;

/** `clean` is the trace without noise: the crossing is when the true level reaches critical. */
function leadScenario(name: string, pcts: number[], clean: number[], intervalMs: number, leadTargetSeconds: number | null): ForecastScenarioResult {
  const settings = defaultAlertSettings();
  const { transitions } = runTimeline(gpuTicks(pcts, intervalMs, START_MS), settings);
  const crossIndex = clean.findIndex((p) => p >= settings.vram.criticalPct);
  const crossMs = START_MS + crossIndex * intervalMs;
  const forecast = transitions.find((t) => t.type === 'raised' && t.alert.kind === 'forecast' && t.atMs <= crossMs);
  const critical = transitions.find((t) => t.type === 'raised' && t.alert.id.startsWith('vram-critical'));
  return {
    name,
    kind: 'lead',
    leadSeconds: forecast ? (crossMs - forecast.atMs) / 1000 : null,
    leadTargetSeconds,
    criticalDelaySeconds: critical ? (critical.atMs - crossMs) / 1000 : null,
    falseAlarms: transitions.filter((t) => t.type === 'raised' && t.alert.kind === 'forecast' && t.atMs < crossMs - settings.forecast.horizonMs * 2).length,
    raised: transitions.filter((t) => t.type === 'raised').map((t) => t.alert.kind),
  };
}

function quietScenario(name: string, pcts: number[], intervalMs: number, countFromSeconds = 0): ForecastScenarioResult {
  const { transitions } = runTimeline(gpuTicks(pcts, intervalMs, START_MS), defaultAlertSettings());
  const raised = transitions.filter((t) => t.type === 'raised' && t.alert.kind === 'forecast' && t.atMs >= START_MS + countFromSeconds * 1000);
  return { name, kind: 'quiet', leadSeconds: null, leadTargetSeconds: null, criticalDelaySeconds: null, falseAlarms: raised.length, raised: raised.map((t) => t.alert.kind) };
}

/** Flat at `from` for `warmS` seconds, then a ramp of `pctPerMin`, until 95%. */
function ramp(from: number, pctPerMin: number, warmS: number) {
  return { shape: (s: number) => (s < warmS ? from : from + ((s - warmS) * pctPerMin) / 60), seconds: warmS + Math.ceil(((95 - from) / pctPerMin) * 60) };
}

/** Runs every scenario; numbers only (the bench prints them). */
export function runForecastScenarios(seed = SEED): ForecastScenarioResult[] {
  const r = seededRandom(seed);
  const g = gaussianNoise(RAMP_NOISE_PCT);
  const lead = (name: string, from: number, pctPerMin: number, intervalMs: number, warmS: number, target: number | null) => {
    const { shape, seconds } = ramp(from, pctPerMin, warmS);
    return leadScenario(name, sample(shape, intervalMs, seconds, g, r), sample(shape, intervalMs, seconds, () => 0, r), intervalMs, target);
  };
  // Sawtooth: 60 → 80% over 150 s, back to 60% in 5 s, for an hour. Its first tooth is a ramp
  // like any other (nothing yet tells them apart), so false alarms count from the second one.
  const tooth = (s: number) => {
    const t = s % 155;
    return t < 150 ? 60 + (20 * t) / 150 : 80 - (20 * (t - 150)) / 5;
  };
  // Single steps: 50% ↔ 75% every 5 minutes for an hour.
  const steps = (s: number) => (Math.floor(s / 300) % 2 === 0 ? 50 : 75);
  return [
    lead('ramp 0.1%/min from 85%, 1 s', 85, 0.1, 1000, 600, null),
    lead('ramp 1%/min, 1 s', 50, 1, 1000, 600, 60),
    lead('ramp 1%/min, 60 s interval', 50, 1, 60_000, 1200, 60),
    lead('ramp 10%/min, 1 s', 50, 10, 1000, 600, null),
    lead('ramp 10%/min, 10 s interval', 50, 10, 10_000, 600, null),
    lead('ramp 60%/min, 250 ms', 50, 60, 250, 300, 5),
    lead('ramp 60%/min, 1 s', 50, 60, 1000, 600, null),
    quietScenario('flat 70% ±1.5%, 1 h, 1 s', sample(() => 70, 1000, 3600, uniformNoise(1.5), r), 1000),
    quietScenario('flat 86% ±1.5%, 1 h, 1 s', sample(() => 86, 1000, 3600, uniformNoise(1.5), r), 1000),
    quietScenario('flat 70% ±1.5%, 1 h, 250 ms', sample(() => 70, 250, 3600, uniformNoise(1.5), r), 250),
    quietScenario('flat 70% ±1.5%, 1 h, 60 s', sample(() => 70, 60_000, 3600, uniformNoise(1.5), r), 60_000),
    quietScenario('sawtooth 60→80%/155 s, 1 h (from 2nd tooth)', sample(tooth, 1000, 3600, g, r), 1000, 155),
    quietScenario('steps 50%↔75% every 5 min, 1 h', sample(steps, 1000, 3600, g, r), 1000),
  ];
}

/** `npm run bench` entry: forecast lead times and false alarms, one line each. */
export async function benchForecast(): Promise<{ lines: string[] }> {
  const startedMs = performance.now();
  const results = runForecastScenarios();
  const lines = [
    `forecast (adaptive; ±${RAMP_NOISE_PCT}% Gaussian noise on ramps, seed ${SEED}; targets: lead ≥ 60 s on 1%/min, ≥ 5 s on 60%/min at 250 ms, 0 false alarms on flat/sawtooth/steps)`,
  ];
  for (const res of results) {
    if (res.kind === 'quiet') {
      lines.push(`  ${res.name.padEnd(46)} false alarms ${res.falseAlarms}${res.falseAlarms === 0 ? ' ✓' : ' ✗'}`);
      continue;
    }
    const lead = res.leadSeconds === null ? 'no forecast before the crossing' : `lead ${res.leadSeconds.toFixed(0)} s`;
    const verdict = res.leadTargetSeconds === null ? '' : (res.leadSeconds ?? 0) >= res.leadTargetSeconds ? ` ✓ (≥ ${res.leadTargetSeconds} s)` : ` ✗ (target ≥ ${res.leadTargetSeconds} s)`;
    const critical = res.criticalDelaySeconds === null ? 'critical never raised' : `critical ${res.criticalDelaySeconds >= 0 ? '+' : ''}${res.criticalDelaySeconds.toFixed(0)} s from the crossing`;
    const early = res.falseAlarms > 0 ? `; ${res.falseAlarms} early forecast(s) ✗` : '';
    lines.push(`  ${res.name.padEnd(46)} ${lead}${verdict}; ${critical}${early}`);
  }
  lines.push(`  (${results.length} scenarios in ${((performance.now() - startedMs) / 1000).toFixed(1)} s)`);
  return { lines };
}
