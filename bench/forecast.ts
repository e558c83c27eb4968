/**
 * Forecast lead time (issue 6): scripted VRAM traces at 1 s samples through the real alert
 * engine with default settings. Lead time = seconds between the forecast alert and the first
 * sample at or above the critical level (90%); target ≥ 60 s on the 1 %/min ramp. False alarms
 * = alerts raised on a flat, noisy 1 h trace; target 0. Noise comes from a seeded PRNG, so
 * every run prints the same numbers.
 */
import { defaultAlertSettings } from '../shared/alerts/settings';
import { gaussian, gpuTicks, runTimeline, seededRandom } from '../shared/alerts/testing';

const SEED = 42;
const START_MS = 1_700_000_000_000;
const INTERVAL_MS = 1000;
const NOISE_PCT = 0.5;

/** One scenario's outcome. */
export interface ForecastScenarioResult {
  name: string;
  /** Seconds from the forecast alert to the crossing; null when no forecast came before it. */
  leadSeconds: number | null;
  /** Seconds from the crossing to the critical alert. */
  criticalDelaySeconds: number | null;
  falseAlarms: number;
  /** Kinds raised, in order ("forecast, threshold, …"). */
  raised: string[];
}

function clamp(pct: number): number {
  return Math.min(100, Math.max(0, pct));
}

/** Flat at `fromPct` for 10 min (so the window fills), then `shape(secondsSinceStart)`, to 95%. */
function trace(shape: (s: number) => number, random: () => number, seconds: number, noisePct = NOISE_PCT): number[] {
  return Array.from({ length: seconds }, (_, s) => clamp(shape(s) + gaussian(random) * noisePct));
}

function leadScenario(name: string, pcts: number[]): ForecastScenarioResult {
  const settings = defaultAlertSettings();
  const { transitions } = runTimeline(gpuTicks(pcts, INTERVAL_MS, START_MS), settings);
  const crossIndex = pcts.findIndex((p) => p >= settings.vram.criticalPct);
  const crossMs = START_MS + crossIndex * INTERVAL_MS;
  const forecast = transitions.find((t) => t.type === 'raised' && t.alert.kind === 'forecast' && t.atMs <= crossMs);
  const critical = transitions.find((t) => t.type === 'raised' && t.alert.id.startsWith('vram-critical'));
  return {
    name,
    leadSeconds: forecast ? (crossMs - forecast.atMs) / 1000 : null,
    criticalDelaySeconds: critical ? (critical.atMs - crossMs) / 1000 : null,
    falseAlarms: transitions.filter((t) => t.type === 'raised' && t.atMs < crossMs - settings.forecast.horizonMs * 2).length,
    raised: transitions.filter((t) => t.type === 'raised').map((t) => t.alert.kind),
  };
}

function flatScenario(name: string, pcts: number[], countKinds: readonly string[] | null): ForecastScenarioResult {
  const { transitions } = runTimeline(gpuTicks(pcts, INTERVAL_MS, START_MS), defaultAlertSettings());
  const raised = transitions.filter((t) => t.type === 'raised' && (countKinds === null || countKinds.includes(t.alert.kind)));
  return { name, leadSeconds: null, criticalDelaySeconds: null, falseAlarms: raised.length, raised: raised.map((t) => t.alert.kind) };
}

/** Runs every scenario; numbers only (the bench prints them). */
export function runForecastScenarios(seed = SEED): ForecastScenarioResult[] {
  const warm = 600;
  const ramp = (pctPerMin: number) => (s: number) => (s < warm ? 50 : 50 + ((s - warm) * pctPerMin) / 60);
  const untilFull = (pctPerMin: number) => warm + Math.ceil((45 / pctPerMin) * 60);
  // Single-sample spikes (+15 points) every ~5 min on top of Gaussian noise.
  const spiky = (level: number, random: () => number) => (s: number) => level + (s % 293 === 17 ? 15 * random() + 5 : 0);
  const r = seededRandom(seed);
  return [
    leadScenario('ramp 1%/min', trace(ramp(1), r, untilFull(1))),
    leadScenario('ramp 5%/min', trace(ramp(5), r, untilFull(5))),
    leadScenario('step 50%→95%', trace((s) => (s < warm ? 50 : 95), r, warm + 120)),
    flatScenario('flat 70% ±1% + spikes, 1 h (all alerts)', trace(spiky(70, r), r, 3600, 1), null),
    flatScenario('flat 86% ±1% + spikes, 1 h (forecasts)', trace(spiky(86, r), r, 3600, 1), ['forecast']),
  ];
}

/** `npm run bench` entry: forecast lead times and false alarms, one line each. */
export async function benchForecast(): Promise<{ lines: string[] }> {
  const startedMs = performance.now();
  const results = runForecastScenarios();
  const lines = [`forecast (1 s samples, ±${NOISE_PCT}% noise on ramps, seed ${SEED}; targets: lead ≥ 60 s on 1%/min, 0 false alarms on flat 1 h)`];
  for (const res of results) {
    if (res.name.startsWith('flat')) {
      lines.push(`  ${res.name.padEnd(42)} false alarms ${res.falseAlarms}${res.falseAlarms === 0 ? ' ✓' : ` ✗ (${res.raised.join(', ')})`}`);
      continue;
    }
    const lead = res.leadSeconds === null ? 'no forecast before the crossing' : `lead ${res.leadSeconds.toFixed(0)} s`;
    const critical = res.criticalDelaySeconds === null ? 'critical never raised' : `critical +${res.criticalDelaySeconds.toFixed(0)} s after crossing`;
    const verdict = res.name === 'ramp 1%/min' ? ((res.leadSeconds ?? 0) >= 60 ? ' ✓' : ' ✗') : '';
    lines.push(`  ${res.name.padEnd(42)} ${lead}${verdict}; ${critical}; order ${res.raised.join(' → ')}`);
  }
  lines.push(`  (${results.length} scenarios in ${((performance.now() - startedMs) / 1000).toFixed(1)} s)`);
  return { lines };
}
