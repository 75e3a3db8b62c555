/**
 * The benchmark's chart: grouped bars of the time each engine takes, per
 * input format and operation, drawn as a self-contained SVG in Node (Vega-Lite
 * compiled to Vega, rendered headless: no browser, no canvas, no network).
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import type { Result } from './report.js';

/** The compared engines, in legend order, with the figure of a line each one draws. */
const SERIES = [
  { name: 'service engine', color: '#d95f02', pick: (r: Result) => r.engine },
  { name: 'DuckDB 1 thread', color: '#1f4e9c', pick: (r: Result) => r.one },
  { name: 'DuckDB all threads', color: '#8fb3e8', pick: (r: Result) => r.all },
  { name: 'polars 1 thread', color: '#1b7a3e', pick: (r: Result) => r.polarsOne },
  { name: 'polars all threads', color: '#98d4a6', pick: (r: Result) => r.polarsAll },
] as const;

/** One bar. */
export interface Bar {
  readonly panel: string;
  readonly operation: string;
  readonly series: string;
  readonly seconds: number;
}

/** Above this ratio between the slowest and fastest bar, the time axis is logarithmic. */
const LOG_ABOVE = 20;

/** The bars of a result table: one per line and engine that ran (polars does not read XML). */
export function bars(results: readonly Result[]): Bar[] {
  const many = new Set(results.map((r) => r.rows)).size > 1;
  return results.flatMap((r) => {
    const panel =
      `${r.format === 'xml' ? 'xml (DuckDB: its CSV copy)' : r.format.replace('-', ' ')}` +
      (many ? `, ${r.rows.toLocaleString('en')} rows` : '');
    return SERIES.flatMap((s) => {
      const m = s.pick(r);
      return m === undefined ? [] : [{ panel, operation: r.name, series: s.name, seconds: m.ms / 1000 }];
    });
  });
}

/**
 * The Vega-Lite specification of the chart: a panel per input format (and
 * size, when there are several), operations along x, one bar per engine.
 */
export function chartSpec(results: readonly Result[]): TopLevelSpec {
  const values = bars(results);
  const seconds = values.map((b) => b.seconds).filter((x) => x > 0);
  const fastest = Math.min(...seconds);
  const log = seconds.length > 0 && Math.max(...seconds) / fastest > LOG_ABOVE;
  // A log axis starts at a power of ten strictly below the fastest bar, so that no bar is flat.
  const floor = 10 ** Math.floor(Math.log10(fastest) - 1e-9);
  const sizes = [...new Set(results.map((r) => r.rows))].map((n) => n.toLocaleString('en'));
  const present = SERIES.filter((s) => values.some((b) => b.series === s.name));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Time per operation, ${sizes.join(' and ')} rows (lower is better)`,
      subtitle: 'npm run bench: the same files, each figure in a fresh process',
    },
    background: 'white',
    data: { values },
    // Panels in the table's order (CSV, Parquet, JSON, NDJSON, XML), not alphabetical.
    facet: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(values.map((b) => b.panel))] },
    columns: 2,
    spec: {
      width: 360,
      height: 200,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: {
          field: 'operation',
          type: 'nominal',
          title: 'operation',
          sort: null,
          axis: { labelAngle: -20, labelLimit: 320 },
        },
        xOffset: { field: 'series', type: 'nominal', sort: present.map((s) => s.name) },
        y: {
          field: 'seconds',
          type: 'quantitative',
          stack: null,
          title: log ? 'time, s (log scale)' : 'time, s',
          scale: log ? { type: 'log', domainMin: floor } : { type: 'linear', zero: true },
        },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'engine',
          scale: { domain: present.map((s) => s.name), range: present.map((s) => s.color) },
          legend: { orient: 'top' },
        },
      },
    },
    resolve: { scale: { x: 'independent', xOffset: 'independent' } },
    config: { font: 'Helvetica, Arial, sans-serif' },
  };
}

/**
 * Renders the chart of a result table to SVG text.
 *
 * @throws Error when the table has no bar to draw
 */
export async function renderChart(results: readonly Result[]): Promise<string> {
  if (bars(results).length === 0) throw new Error('no benchmark result to chart');
  const view = new View(parse(compile(chartSpec(results)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
