// The score-by-category radar chart as a Chart.js configuration (only the radar's parts are registered).
// After each draw the canvas carries what was drawn: `data-axes` (the category axes) and `data-polygons`
// (each model's vertices in CSS pixels), so a test, or anyone inspecting the page, can check the picture.
import { Chart, Filler, Legend, LineElement, PointElement, RadarController, RadialLinearScale, Tooltip, type ChartConfiguration, type Plugin } from 'chart.js';
import type { RadarData } from './results-view';

Chart.register(RadarController, RadialLinearScale, PointElement, LineElement, Filler, Tooltip, Legend);

/** One colour per model, distinct in light and dark themes. */
export const SERIES_COLOURS = ['#2f6feb', '#d9480f', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285', '#c2255c', '#5c940d'] as const;

export const colourOf = (i: number) => SERIES_COLOURS[i % SERIES_COLOURS.length];

export type DrawnPolygon = { model: string; colour: string; points: { x: number; y: number }[] };

const recordDrawing: Plugin<'radar'> = {
	id: 'lumen-record-drawing',
	afterDraw(chart) {
		const canvas = chart.canvas;
		canvas.dataset.axes = JSON.stringify(chart.data.labels ?? []);
		const polygons: DrawnPolygon[] = chart.data.datasets.map((ds, i) => ({
			model: ds.label ?? '',
			colour: String(ds.borderColor),
			points: chart
				.getDatasetMeta(i)
				.data.filter((p) => !(p as PointElement).skip)
				.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }))
		}));
		canvas.dataset.polygons = JSON.stringify(polygons);
	}
};

export function radarChart(data: RadarData): ChartConfiguration<'radar', (number | null)[], string> {
	return {
		type: 'radar',
		data: {
			labels: data.categories,
			datasets: data.series.map((s, i) => ({
				label: s.model,
				data: s.values,
				borderColor: colourOf(i),
				backgroundColor: `${colourOf(i)}33`,
				pointBackgroundColor: colourOf(i),
				pointRadius: 3,
				borderWidth: 2,
				fill: true
			}))
		},
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			scales: { r: { min: 0, max: data.max, ticks: { stepSize: data.max / 5, backdropColor: 'transparent' } } },
			plugins: { legend: { position: 'bottom' } }
		},
		plugins: [recordDrawing]
	};
}
