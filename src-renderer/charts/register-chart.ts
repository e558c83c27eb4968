// chart.js registration, once, with only what the dashboard uses (keeps the bundle small).
import { CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

let done = false;
export function registerCharts(): typeof Chart {
  if (!done) {
    Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend);
    done = true;
  }
  return Chart;
}
