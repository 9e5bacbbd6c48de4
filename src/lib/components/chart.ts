// The one way a page draws a Chart.js chart: a Svelte attachment that builds the chart on its canvas,
// and destroys it and builds it again when the config's reactive inputs change. Each module registers
// the Chart.js parts its charts use, so a page loads only those.
import { Chart, type ChartConfiguration, type ChartType, type DefaultDataPoint } from 'chart.js';

export function chart<T extends ChartType, D = DefaultDataPoint<T>, L = unknown>(config: () => ChartConfiguration<T, D, L>) {
	return (canvas: HTMLCanvasElement) => {
		const instance = new Chart(canvas, config());
		return () => instance.destroy();
	};
}
