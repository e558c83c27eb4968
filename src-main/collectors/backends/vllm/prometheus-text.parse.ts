/**
 * A small reader for the Prometheus text exposition format (version 0.0.4), enough for vLLM's
 * and llama.cpp's `/metrics`. Labels are read as a map: their order is not stable across vLLM
 * versions. Lines that do not parse are skipped, as Prometheus itself would reject only them.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What a `/metrics` body may hold before Headroom refuses it (vLLM with 8 engines and LoRA adapters: ~5,000 lines). */
export const PROMETHEUS_LIMITS = { maxLines: 50_000, maxLineChars: 16 * 1024, maxSamples: 10_000 };

/**
 * Null when `text` keeps within PROMETHEUS_LIMITS; else the reason, as words that fit after
 * "the answer …". One pass with `indexOf`, before any line is parsed.
 */
export function prometheusLimitViolation(text: string, limits = PROMETHEUS_LIMITS): string | null {
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > limits.maxLineChars) return `has a line of more than ${limits.maxLineChars.toLocaleString('en-US')} characters, longer than Headroom reads`;
    if (++lines > limits.maxLines) return `has more than ${limits.maxLines.toLocaleString('en-US')} lines, more than Headroom reads`;
    start = end + 1;
  }
  return null;
}

/**
 * Parses `text`, keeping only the series whose name passes `keep` (checked before labels are
 * read, so a filter keeps large histograms cheap). At most `maxSamples` series are kept.
 */
export function parsePrometheusText(text: string, keep: (name: string) => boolean = () => true, maxSamples = PROMETHEUS_LIMITS.maxSamples): PromSample[] {
  const samples: PromSample[] = [];
  let start = 0;
  while (start < text.length && samples.length < maxSamples) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line, keep);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseLine(line: string, keep: (name: string) => boolean): PromSample | null {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return null;
  const name = nameMatch[0];
  if (!keep(name)) return null;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) return null;
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  const valueText = rest.trim().split(/\s+/)[0];
  if (valueText === undefined || valueText === '') return null;
  const value = parseValue(valueText);
  if (value === null) return null;
  return { name, labels, value };
}

function parseLabels(text: string): { labels: Record<string, string>; length: number } | null {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, length: i + 1 };
    const keyMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!keyMatch) return null;
    const key = keyMatch[0];
    i += key.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') return null;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') return null;
    i++;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) return null;
      if (ch === '"') break;
      if (ch === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    i++;
    labels[key] = value;
  }
}

function parseValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  // Number('') and Number('0x10') are 0 and 16; Prometheus has neither.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}
