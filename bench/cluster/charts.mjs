// SVG charts of the cluster bench, written by hand (no plotting dependency): a line chart with
// linear or logarithmic axes, and a grouped bar chart. Plain SVG 1.1 that GitHub renders inline.
//
// Owns: layout and drawing. Must never: compute a figure (callers pass the measured points).

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 78, right: 180, top: 48, bottom: 58 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(value) {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (value >= 10) return String(Math.round(value));
  if (value >= 1) return value.toFixed(1).replace(/\.0$/, '');
  return value.toPrecision(1);
}

function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function logTicks(min, max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) for (const m of [1, 2, 5]) ticks.push(m * 10 ** e);
  return ticks.filter((t) => t >= min / 1.0001 && t <= max * 1.0001);
}

function frame(title, subtitle, body, height = HEIGHT) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    subtitle === undefined ? '' : `<text x="${MARGIN.left}" y="38" fill="#555">${esc(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * @param {{ title: string, subtitle?: string, xLabel: string, yLabel: string, yLog?: boolean, xTicks?: number[], xCategorical?: boolean,
 *   series: Array<{ name: string, points: Array<[number, number]>, dashed?: boolean, color?: string }> }} chart
 */
export function lineChart(chart) {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = chart.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!chart.yLog || y > 0));
  const xs = chart.xTicks ?? niceTicks(Math.max(...all.map(([x]) => x)));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yValues = all.map(([, y]) => y);
  let yTicks;
  let yScale;
  if (chart.yLog) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...yValues)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...yValues)));
    yTicks = logTicks(lo, hi);
    yScale = (y) => MARGIN.top + plotH - ((Math.log10(y) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  } else {
    yTicks = niceTicks(Math.max(...yValues));
    const hi = yTicks[yTicks.length - 1];
    yScale = (y) => MARGIN.top + plotH - (y / hi) * plotH;
  }
  // Categorical x: the given ticks evenly spaced (offered rates from 100 to 2,000 stay readable).
  const xScale = chart.xCategorical
    ? (x) => MARGIN.left + ((xs.indexOf(x) + 0.5) / xs.length) * plotW
    : (x) => MARGIN.left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const body = [];
  for (const t of yTicks) {
    const y = yScale(t);
    body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#333">${fmt(t)}</text>`);
  }
  for (const t of xs) {
    const x = xScale(t);
    body.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`);
    body.push(`<text x="${x.toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" fill="#333">${fmt(t)}</text>`);
  }
  body.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  body.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  body.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  chart.series.forEach((series, i) => {
    const color = series.color ?? COLORS[i % COLORS.length];
    const pts = series.points.filter(([, y]) => Number.isFinite(y) && (!chart.yLog || y > 0)).sort((a, b) => a[0] - b[0]);
    if (pts.length > 0) {
      const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${xScale(x).toFixed(1)},${yScale(y).toFixed(1)}`).join(' ');
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      if (!series.noMarkers) for (const [x, y] of pts) body.push(`<circle cx="${xScale(x).toFixed(1)}" cy="${yScale(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 14;
    body.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    body.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(series.name)}</text>`);
  });
  return frame(chart.title, chart.subtitle, body);
}

/**
 * Grouped bars in one or more side-by-side panels, each with its own y axis (throughput in one,
 * latency in another) and the legend under the panels.
 * @param {{ title: string, subtitle?: string, groups: string[],
 *   panels: Array<{ yLabel: string, series: Array<{ name: string, values: Array<number | null>, color?: string }> }> }} chart
 */
export function barChart(chart) {
  const left = 70;
  const gap = 70;
  const right = 20;
  const legendRows = chart.panels.reduce((n, p) => n + p.series.length, 0);
  const bottom = 40 + legendRows * 18;
  const height = Math.max(HEIGHT, MARGIN.top + 260 + bottom);
  const plotH = height - MARGIN.top - bottom;
  const panelW = (WIDTH - left - right - gap * (chart.panels.length - 1)) / chart.panels.length;
  const body = [];
  let legendIndex = 0;
  chart.panels.forEach((panel, p) => {
    const x0 = left + p * (panelW + gap);
    const values = panel.series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined && Number.isFinite(v));
    const yTicks = niceTicks(Math.max(...values, 1));
    const hi = yTicks[yTicks.length - 1];
    const yScale = (y) => MARGIN.top + plotH - (y / hi) * plotH;
    for (const t of yTicks) {
      const y = yScale(t);
      body.push(`<line x1="${x0}" x2="${(x0 + panelW).toFixed(1)}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
      body.push(`<text x="${x0 - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#333">${fmt(t)}</text>`);
    }
    const groupW = panelW / chart.groups.length;
    const barW = (groupW * 0.76) / panel.series.length;
    chart.groups.forEach((group, g) => {
      const gx = x0 + g * groupW + groupW * 0.12;
      body.push(`<text x="${(x0 + (g + 0.5) * groupW).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${esc(group)}</text>`);
      panel.series.forEach((series, i) => {
        const v = series.values[g];
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        const color = series.color ?? COLORS[(legendIndex + i) % COLORS.length];
        const x = gx + i * barW;
        body.push(`<rect x="${x.toFixed(1)}" y="${yScale(v).toFixed(1)}" width="${Math.max(1, barW - 2).toFixed(1)}" height="${(MARGIN.top + plotH - yScale(v)).toFixed(1)}" fill="${color}"/>`);
        body.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(yScale(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${fmt(v)}</text>`);
      });
    });
    body.push(`<rect x="${x0}" y="${MARGIN.top}" width="${panelW.toFixed(1)}" height="${plotH}" fill="none" stroke="#999"/>`);
    body.push(`<text transform="translate(${x0 - 52} ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(panel.yLabel)}</text>`);
    panel.series.forEach((series, i) => {
      const color = series.color ?? COLORS[(legendIndex + i) % COLORS.length];
      const ly = MARGIN.top + plotH + 36 + (legendIndex + i) * 18;
      body.push(`<rect x="${left}" y="${ly - 6}" width="22" height="12" fill="${color}"/>`);
      body.push(`<text x="${left + 28}" y="${ly + 4}">${esc(series.name)}</text>`);
    });
    legendIndex += panel.series.length;
  });
  return frame(chart.title, chart.subtitle, body, height);
}
