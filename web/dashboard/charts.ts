// Charts of the per-minute counters (`GET /stats/series`): inline SVG, built node by node.
import type { StatsSeries, TypeSeries } from '../../src/jobs/job-counters';
import { h, replaceChildren } from './dom';

export type { StatsSeries };

/** The minutes the overview charts. */
export const CHART_MINUTES = 60;

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 120;
const PAD = { left: 36, right: 8, top: 8, bottom: 18 };

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

interface Line {
  name: string;
  /** CSS class giving the line its colour (app.css). */
  className: string;
  values: (number | undefined)[];
}

const formatMs = (ms: number) =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;

/**
 * A line chart over the window's minutes: one polyline per line (broken where a value is
 * missing) and a dot per non-zero value, each dot titled with its minute and value.
 */
function lineChart(label: string, minutes: string[], lines: Line[], format: (n: number) => string): SVGSVGElement {
  const max = Math.max(1, ...lines.flatMap((line) => line.values.filter((v): v is number => v !== undefined)));
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (minutes.length > 1 ? (i / (minutes.length - 1)) * innerWidth : innerWidth / 2);
  const y = (v: number) => PAD.top + innerHeight - (v / max) * innerHeight;
  const chart = svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    svg('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    svg('text', { class: 'tick', x: PAD.left - 4, y: y(max) + 4, 'text-anchor': 'end' }, format(max)),
    svg('text', { class: 'tick', x: PAD.left - 4, y: y(0), 'text-anchor': 'end' }, format(0)),
    svg('text', { class: 'tick', x: PAD.left, y: HEIGHT - 4 }, `${minutes.length} min ago`),
    svg('text', { class: 'tick', x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }, 'now'),
  );
  for (const line of lines) {
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) chart.append(svg('polyline', { class: `line ${line.className}`, points: run.join(' ') }));
      run = [];
    };
    line.values.forEach((value, i) => {
      if (value === undefined) return flush();
      run.push(`${x(i).toFixed(1)},${y(value).toFixed(1)}`);
      if (value > 0) {
        chart.append(
          svg(
            'circle',
            {
              class: `point ${line.className}`,
              cx: x(i).toFixed(1),
              cy: y(value).toFixed(1),
              r: 2.5,
              'data-series': line.name,
              'data-minute': minutes[i]!,
              'data-value': value,
            },
            svg('title', {}, `${line.name} ${minutes[i]!.slice(11)} UTC: ${format(value)}`),
          ),
        );
      }
    });
    flush();
  }
  return chart;
}

function legend(lines: readonly Pick<Line, 'name' | 'className'>[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    lines.map((line) =>
      h('li', {}, h('span', { class: `swatch ${line.className}`, 'aria-hidden': 'true' }), line.name),
    ),
  );
}

function typeCharts(series: TypeSeries): HTMLElement {
  const minutes = series.points.map((p) => p.minute);
  const { total } = series;
  const counts: Line[] = [
    { name: 'submitted', className: 'series-submitted', values: series.points.map((p) => p.submitted) },
    { name: 'completed', className: 'series-completed', values: series.points.map((p) => p.completed) },
    { name: 'failed', className: 'series-failed', values: series.points.map((p) => p.failed) },
  ];
  const durations: Line[] = [
    { name: 'p50', className: 'series-p50', values: series.points.map((p) => p.p50Ms) },
    { name: 'p95', className: 'series-p95', values: series.points.map((p) => p.p95Ms) },
  ];
  const percentiles =
    total.p50Ms !== undefined
      ? `p50 ${formatMs(total.p50Ms)}, p95 ${formatMs(total.p95Ms ?? total.p50Ms)}`
      : 'none finished';
  return h(
    'article',
    { class: 'chart-card', 'data-type': series.type },
    h('h3', {}, series.type),
    h(
      'p',
      { class: 'muted small' },
      `${total.submitted} submitted · ${total.completed} completed · ${total.failed} failed · ${percentiles}`,
    ),
    lineChart(
      `${series.type}: jobs per minute, last ${minutes.length} minutes (${total.submitted} submitted, ${total.completed} completed, ${total.failed} failed)`,
      minutes,
      counts,
      String,
    ),
    legend(counts),
    lineChart(`${series.type}: duration from due to finished, p50 and p95 per minute`, minutes, durations, formatMs),
    legend(durations),
  );
}

/** The charts section of the overview; `render` is given each refresh's `GET /stats/series`. */
export function chartsPanel(): { element: HTMLElement; render(series: StatsSeries): void } {
  const grid = h('div', { class: 'chart-grid' }, h('p', { class: 'muted' }, 'Loading…'));
  let lastJson = '';
  const element = h(
    'section',
    { 'aria-labelledby': 'charts-title' },
    h('h2', { id: 'charts-title' }, `Last ${CHART_MINUTES} minutes`),
    grid,
  );
  return {
    element,
    render(series) {
      const json = JSON.stringify(series.types);
      if (json === lastJson) return;
      lastJson = json;
      const active = series.types.filter((t) => t.total.submitted + t.total.completed + t.total.failed > 0);
      replaceChildren(
        grid,
        active.length
          ? active.map(typeCharts)
          : h('p', { class: 'muted' }, `No job was submitted or finished in the last ${series.minutes} minutes.`),
      );
    },
  };
}

const FINISHED_OK = new Set(['completed', 'done']);

/**
 * Counts a change seen over the WebSocket into the series the page loaded, the way the stream
 * counters will: a job's first version is a submission, its move to completed/done or failed a
 * finish, in the current minute (a new minute is appended and the oldest dropped). Durations
 * need the job's due time, which a status message lacks: they come with the next full load.
 * Returns whether anything changed.
 */
export function countLiveChange(
  series: StatsSeries,
  type: string,
  change: { version: number; status: string; updatedAt: string },
  previousStatus?: string,
): boolean {
  const field =
    change.version === 1
      ? 'submitted'
      : previousStatus === change.status
        ? undefined
        : FINISHED_OK.has(change.status)
          ? 'completed'
          : change.status === 'failed'
            ? 'failed'
            : undefined;
  if (!field) return false;
  const minute = (change.updatedAt || new Date().toISOString()).slice(0, 16);
  let typeSeries = series.types.find((t) => t.type === type);
  if (!typeSeries) {
    // A type with nothing in the window yet gets the window's minutes, all zero.
    const minutes = series.types[0]?.points.map((p) => p.minute) ?? [];
    const points = minutes.map((m) => ({ minute: m, submitted: 0, completed: 0, failed: 0 }));
    typeSeries = { type, points, total: { submitted: 0, completed: 0, failed: 0 } };
    series.types.push(typeSeries);
  }
  let point = typeSeries.points.find((p) => p.minute === minute);
  if (!point) {
    if (minute <= series.to) return false; // before the window's last minute: out of view
    for (const t of series.types) {
      t.points.push({ minute, submitted: 0, completed: 0, failed: 0 });
      while (t.points.length > series.minutes) t.points.shift();
    }
    series.to = minute;
    point = typeSeries.points[typeSeries.points.length - 1]!;
  }
  point[field]++;
  typeSeries.total[field]++;
  return true;
}
