/** `headroom export --since 24h --format csv|json [--until 1h] [--gpu gpu:0] [--data-dir DIR] [--out FILE]` */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration, toCsv, toJson } from '../../history/export';
import { readHistoryDir } from '../../history/history-store';
import { defaultDataDir } from '../../util/data-dir';
import type { CommandIo } from './estimate';

export async function exportCommand(argv: string[], io: CommandIo, now: () => number = Date.now): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: { since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string' }, gpu: { type: 'string' }, 'data-dir': { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    io.stderr.write(`headroom export: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    io.stderr.write(`headroom export: --format must be csv or json, got "${format}".\n`);
    return 2;
  }
  const since = parseDuration(values.since ?? '24h');
  if (since === null) {
    io.stderr.write(`headroom export: --since must be a duration like 30m, 24h or 7d, got "${values.since}".\n`);
    return 2;
  }
  const until = values.until === undefined ? 0 : parseDuration(values.until);
  if (until === null) {
    io.stderr.write(`headroom export: --until must be a duration like 1h (that long ago), got "${values.until}".\n`);
    return 2;
  }
  const t = now();
  const dir = join(values['data-dir'] ?? defaultDataDir(), 'history');
  const { samples, skipped } = await readHistoryDir(dir, t - since, t - until);
  const selected = values.gpu ? samples.filter((s) => s.gpuId === values.gpu) : samples;
  const text = format === 'csv' ? toCsv(selected) : toJson(selected);
  if (values.out) {
    try {
      writeFileSync(values.out, text);
    } catch (error) {
      io.stderr.write(`headroom export: cannot write ${values.out}: ${(error as Error).message}\n`);
      return 1;
    }
  } else io.stdout.write(text);
  if (skipped) io.stderr.write(`headroom export: skipped ${skipped} damaged line(s) in ${dir}.\n`);
  if (!selected.length) io.stderr.write(`headroom export: no samples in that range in ${dir}.\n`);
  return 0;
}
