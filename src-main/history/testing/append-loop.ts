/**
 * Test child for the SIGKILL test: a HistoryStore fed one Snapshot every `intervalMs`, as
 * `serve` feeds it; after each append it prints the tick's time (the tick is then "published").
 * Usage: node --import tsx append-loop.ts <dataDir> <intervalMs>
 */
import type { Snapshot } from '../../../shared/model/snapshot';
import { silentLogger } from '../../util/logger';
import { HistoryStore } from '../history-store';

const [dataDir, intervalText] = process.argv.slice(2);
const store = new HistoryStore({ dataDir: dataDir!, retentionDays: 7, logger: silentLogger });
let n = 0;
const tick = () => {
  const atMs = Date.now();
  const used = 1_000_000 + n++;
  const snap: Snapshot = {
    atMs, demo: false, system: null, backends: [], sources: [], alerts: [],
    gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'RTX 4090', uuid: null, memoryTotalBytes: 25_757_220_864, memoryUsedBytes: used, memoryFreeBytes: 25_757_220_864 - used, utilizationPct: null, temperatureC: null, powerWatts: null }],
  };
  store.append(snap);
  process.stdout.write(`${atMs}\n`);
};
process.stdout.write('ready\n');
setInterval(tick, Number(intervalText));
