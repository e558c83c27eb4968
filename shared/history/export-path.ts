/**
 * The streamed history export over HTTP (headless server only; Electron uses `exportHistory`):
 *   GET /api/export?sinceMs=…&untilMs=…&format=csv|json&id=…  → the file, streamed
 *   GET /api/export/status?id=…                                → { ok, value: { samples, skippedLines } } once it has ended
 */
export const EXPORT_PATH = '/api/export';
export const EXPORT_STATUS_PATH = '/api/export/status';

export interface ExportStatus {
  samples: number;
  skippedLines: number;
}

/** `headroom-history-2026-11-26-12-00-00.csv` for an export made at that time. */
export function exportFileName(nowMs: number, format: 'csv' | 'json'): string {
  return `headroom-history-${new Date(nowMs).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
}
