/** `headroom export --since 24h --format csv|json [--until 1h] [--gpu gpu:0] [--data-dir DIR] [--out FILE]` */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseDuration, streamExport } from '../../history/export';
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
  // Streamed: one day file at a time, line by line, waiting for the output to drain (flat memory
  // for any range), byte for byte what a whole-range read, sort and format gave.
  let out: NodeJS.WritableStream = io.stdout;
  let file: WriteStream | null = null;
  if (values.out) {
    file = createWriteStream(values.out);
    const opened = await Promise.race([once(file, 'open').then(() => null), once(file, 'error').then(([e]) => e as Error)]);
    if (opened) {
      io.stderr.write(`headroom export: cannot write ${values.out}: ${opened.message}\n`);
      return 1;
    }
    out = file;
  }
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const onError = (e: Error) => {
    failure ??= e;
    wake?.();
  };
  out.on('error', onError);
  const write = async (chunk: string) => {
    if (failure) throw failure;
    if (!out.write(chunk)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        out.once('drain', resolve);
      });
      wake = null;
    }
    if (failure) throw failure;
  };
  let result: { samples: number; skipped: number };
  try {
    result = await streamExport(dir, { sinceMs: t - since, untilMs: t - until, format, gpuId: values.gpu ?? null }, write);
    if (file) await new Promise<void>((resolve, reject) => file!.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (error) {
    file?.destroy();
    io.stderr.write(`headroom export: cannot write ${values.out ?? 'the output'}: ${((failure ?? error) as Error).message}\n`);
    return 1;
  } finally {
    out.off('error', onError);
  }
  if (failure) {
    io.stderr.write(`headroom export: cannot write ${values.out ?? 'the output'}: ${(failure as Error).message}\n`);
    return 1;
  }
  if (result.skipped) io.stderr.write(`headroom export: skipped ${result.skipped} damaged line(s) in ${dir}.\n`);
  if (!result.samples) io.stderr.write(`headroom export: no samples in that range in ${dir}.\n`);
  return 0;
}
