// Chart.js configurations for the leaderboard: ratings with interval bars, and model-by-model
// heatmaps drawn as square scatter points (no plugin needed). Pure: data in, config out.
import {
	BarController,
	BarElement,
	CategoryScale,
	Chart,
	LinearScale,
	PointElement,
	ScatterController,
	Tooltip,
	type ChartConfiguration
} from 'chart.js';
import type { LeaderboardRowWire } from '$lib/protocol/arena';
import type { Matrix } from '$lib/rating';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, PointElement, ScatterController, Tooltip);

export function ratingChart(rows: readonly LeaderboardRowWire[]): ChartConfiguration {
	return {
		type: 'bar',
		data: {
			labels: rows.map((r) => r.model),
			datasets: [
				{ type: 'bar', label: '95% interval', data: rows.map((r) => r.ci), backgroundColor: 'rgba(47, 111, 235, 0.35)', barPercentage: 0.4 },
				{ type: 'scatter', label: 'Rating', data: rows.map((r) => r.rating), backgroundColor: '#2f6feb', pointRadius: 5 }
			]
		},
		options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'Rating' } } } }
	};
}

type Cell = { x: number; y: number; v: number };

/** One square per (row, column) with a value; colour from `colour(v)`; NaN cells are left blank. */
export function heatmapChart(models: readonly string[], matrix: Matrix, colour: (v: number) => string, label: (v: number) => string): ChartConfiguration<'scatter', Cell[]> {
	const n = models.length;
	const cells: Cell[] = [];
	// The diagonal is a model against itself: never a battle, so it stays blank.
	matrix.forEach((row, y) => row.forEach((v, x) => x !== y && Number.isFinite(v) && cells.push({ x, y, v })));
	const axis = (reverse: boolean) => ({
		type: 'linear' as const,
		min: -0.5,
		max: n - 0.5,
		reverse,
		grid: { display: false },
		ticks: { autoSkip: false, callback: (value: string | number) => models[Number(value)] ?? '' },
		// One tick per model at its integer position (the axis runs from −0.5 so cells sit centred).
		afterBuildTicks: (scale: { ticks: Array<{ value: number }> }) => {
			scale.ticks = models.map((_, i) => ({ value: i }));
		}
	});
	return {
		type: 'scatter',
		data: {
			datasets: [
				{
					data: cells,
					pointStyle: 'rect',
					pointRadius: (ctx) => cellRadius(ctx.chart.chartArea, n),
					pointHoverRadius: (ctx) => cellRadius(ctx.chart.chartArea, n),
					backgroundColor: (ctx) => colour((ctx.raw as Cell | undefined)?.v ?? NaN)
				}
			]
		},
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			scales: { x: axis(false), y: axis(true) },
			plugins: {
				tooltip: {
					callbacks: {
						label: (item) => {
							const c = item.raw as Cell;
							return `${models[c.y]} vs ${models[c.x]}: ${label(c.v)}`;
						}
					}
				}
			}
		}
	};
}

/** A 'rect' point of radius r is a square of side r·√2: fill the cell, less a 2px gap. */
function cellRadius(area: { width: number; height: number } | undefined, n: number): number {
	return area ? Math.max(2, (Math.min(area.width, area.height) / n - 2) / Math.SQRT2) : 4;
}

/** Blue (row loses) through white to red (row wins). */
export const winColour = (v: number) => `rgba(${Math.round(255 * Math.min(1, 2 * v))}, ${Math.round(255 * (1 - Math.abs(2 * v - 1)))}, ${Math.round(255 * Math.min(1, 2 - 2 * v))}, 0.85)`;

export function countColour(max: number) {
	return (v: number) => `rgba(47, 111, 235, ${max > 0 ? 0.15 + 0.85 * (v / max) : 0})`;
}
