/**
 * The dashboard's history export over HTTP, streamed: day files are read line by line and the
 * response is written in ~64 KiB pieces as the client takes them, so a 7-day export neither
 * holds the file in memory nor blocks the server (it yields between pieces).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPORT_PATH, EXPORT_STATUS_PATH, exportFileName, type ExportStatus } from '../../shared/history/export-path';
import type { Logger } from '../util/logger';
import { streamExport } from './export';

export type ExportRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const MAX_STATUSES = 50;

export function createExportRoute(options: { historyDir: () => string | null; logger: Logger; now?: () => number }): ExportRoute {
  const now = options.now ?? Date.now;
  const statuses = new Map<string, ExportStatus>();
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const bad = (res: ServerResponse, message: string) => json(res, 400, { ok: false, error: { code: 'bad-request', message } });

  return async (req, res, url) => {
    if (req.method !== 'GET' || (url.pathname !== EXPORT_PATH && url.pathname !== EXPORT_STATUS_PATH)) return false;
    const id = url.searchParams.get('id');
    if (id !== null && !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
      bad(res, 'id: letters, digits and dashes, at most 64.');
      return true;
    }
    if (url.pathname === EXPORT_STATUS_PATH) {
      const st = id ? statuses.get(id) : undefined;
      if (st) json(res, 200, { ok: true, value: st });
      else json(res, 404, { ok: false, error: { code: 'bad-request', message: 'No finished export with that id.' } });
      return true;
    }
    const dir = options.historyDir();
    if (!dir) {
      json(res, 503, { ok: false, error: { code: 'unavailable', message: 'History is not stored on disk in this session (demo mode, or no data folder): nothing to export.' } });
      return true;
    }
    const format = url.searchParams.get('format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') {
      bad(res, `format: must be csv or json, got "${format}".`);
      return true;
    }
    const number = (name: string): number | null | undefined => {
      const v = url.searchParams.get(name);
      if (v === null) return undefined;
      const n = Number(v);
      return /^\d{1,16}$/.test(v) && Number.isSafeInteger(n) ? n : null;
    };
    const sinceMs = number('sinceMs');
    const untilMs = number('untilMs');
    if (sinceMs === undefined || sinceMs === null) {
      bad(res, 'sinceMs: a time in ms since 1970 is required.');
      return true;
    }
    if (untilMs === null) {
      bad(res, 'untilMs: must be a time in ms since 1970.');
      return true;
    }
    const t = now();
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${exportFileName(t, format)}"`,
      'cache-control': 'no-store',
    });
    let gone = false;
    res.on('close', () => (gone = true));
    const write = async (chunk: string) => {
      if (gone) throw new Error('the client went away');
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    };
    try {
      const r = await streamExport(dir, { sinceMs, untilMs: untilMs ?? t, format }, write);
      if (id) {
        statuses.set(id, { samples: r.samples, skippedLines: r.skipped });
        while (statuses.size > MAX_STATUSES) statuses.delete(statuses.keys().next().value!);
      }
      res.end();
    } catch (error) {
      if (!gone) options.logger.warn(`export: stopped: ${(error as Error).message}`);
      res.destroy();
    }
    return true;
  };
}
