import { bars, chartSpec, renderChart } from '../../bench/chart.js';
import type { Result } from '../../bench/report.js';

const m = (ms: number): { ms: number; rss_mb: number } => ({ ms, rss_mb: 100 });

const TABLE: Result[] = [
  {
    rows: 1000,
    format: 'parquet-zstd',
    id: 'group_by_cat1000',
    name: 'group_by cat1000',
    engine: m(700),
    one: m(24),
    all: m(20),
    agree: 'yes',
    polarsOne: m(91),
    polarsAll: m(60),
    polarsAgree: 'yes',
  },
  {
    rows: 1000,
    format: 'csv',
    id: 'stats',
    name: 'stats int,float',
    engine: m(900),
    one: m(240),
    all: m(150),
    agree: 'yes',
    polarsOne: m(160),
    polarsAll: m(100),
    polarsAgree: 'yes',
  },
  {
    rows: 1000,
    format: 'xml',
    id: 'stats',
    name: 'stats int,float',
    engine: m(17000),
    one: m(480),
    all: m(400),
    agree: 'yes',
  },
];

/** The `d` attribute of every bar the SVG draws. */
const barPaths = (svg: string): string[] =>
  [...svg.matchAll(/aria-roledescription="bar" d="([^"]+)"/g)].map((x) => x[1]!);

describe('the benchmark chart', () => {
  test('has one bar per engine that ran, none for polars on XML', () => {
    const drawn = bars(TABLE);
    expect(drawn).toHaveLength(5 + 5 + 3);
    expect(drawn.filter((b) => b.panel.startsWith('xml')).map((b) => b.series)).toEqual([
      'service engine',
      'DuckDB 1 thread',
      'DuckDB all threads',
    ]);
    expect(drawn.find((b) => b.series === 'service engine' && b.panel === 'parquet zstd')?.seconds).toBe(0.7);
  });

  test('switches the time axis to a log scale when the bars span more than 20×, starting below the fastest', () => {
    const y = (results: Result[]): unknown => {
      const spec = chartSpec(results) as { spec: { encoding: { y: { scale: unknown; title: string } } } };
      return spec.spec.encoding.y;
    };
    expect(y(TABLE)).toMatchObject({ scale: { type: 'log', domainMin: 0.01 }, title: 'time, s (log scale)' });
    expect(y(TABLE.filter((r) => r.format === 'csv'))).toMatchObject({
      scale: { type: 'linear' },
      title: 'time, s',
    });
  });

  test('renders a self-contained SVG with its title, axis titles, legend and a visible bar per figure', async () => {
    const svg = await renderChart(TABLE);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/<image|xlink:href|<script|https?:\/\/(?!www\.w3\.org)/);
    expect(svg).toContain('Time per operation, 1,000 rows (lower is better)');
    expect(svg).toContain('time, s (log scale)');
    expect(svg).toContain('>operation<');
    for (const name of [
      'service engine',
      'DuckDB 1 thread',
      'DuckDB all threads',
      'polars 1 thread',
      'polars all threads',
    ])
      expect(svg).toContain(`>${name}<`);
    // Panels in the table's order, not alphabetical.
    const at = ['parquet zstd', 'csv', 'xml (DuckDB: its CSV copy)'].map((panel) =>
      svg.indexOf(`>${panel}<`),
    );
    expect(at.every((x) => x > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const paths = barPaths(svg);
    expect(paths).toHaveLength(13);
    // Every bar has a width and a height: `M x,y h w v h h -w Z`.
    for (const d of paths) {
      const [, w, h] = /^M[^h]+h([\d.]+)v([\d.]+)/.exec(d) ?? [];
      expect(Number(w)).toBeGreaterThan(1);
      expect(Number(h)).toBeGreaterThan(1);
    }
  });

  test('refuses to draw an empty table', async () => {
    await expect(renderChart([])).rejects.toThrow('no benchmark result to chart');
  });
});
