// Rendering of results: console table, RESULTS.md and SVG charts (drawn
// here as plain SVG text, no dependencies).

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Numbers with about 3 significant digits. */
export function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

const pct = (x) => (Number.isFinite(x) ? `±${(x * 100).toFixed(1)}%` : '');

export const goalText = (r) => (r.goal === undefined ? '' : `${r.met ? 'met' : 'MISSED'} (≤ ${r.goal})`);

/** Plain-text table for the console. */
export function consoleTable(records) {
  const rows = records.map((r) => [r.id, `${fmt(r.ours)} ${pct(r.ours_spread)}`.trim(), `${fmt(r.baseline)} ${pct(r.baseline_spread)}`.trim(), fmt(r.ratio), r.unit, goalText(r)]);
  const head = ['id', 'ours', 'baseline', 'ratio', 'unit', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Markdown table of records. */
export function markdownTable(records) {
  const out = ['| id | ours | baseline | ratio | unit | baseline is | goal |', '|---|---:|---:|---:|---|---|---|'];
  for (const r of records) {
    const ours = `${fmt(r.ours)}${r.ours_spread !== undefined ? ` <sub>${pct(r.ours_spread)}</sub>` : ''}`;
    const base = `${fmt(r.baseline)}${r.baseline_spread !== undefined ? ` <sub>${pct(r.baseline_spread)}</sub>` : ''}`;
    const ratio = r.goal === undefined ? fmt(r.ratio) : `**${fmt(r.ratio)}**`;
    out.push(`| \`${r.id}\` | ${ours} | ${base} | ${ratio} | ${r.unit} | ${esc(r.baseline_name)} | ${goalText(r)} |`);
  }
  return out.join('\n');
}

const COLORS = { met: '#2e7d32', missed: '#c62828', none: '#607d8b', ours: '#1565c0', oursLight: '#64b5f6', v8: '#ef6c00', native: '#6d4c41' };

/**
 * Horizontal bars of ratios on a log scale, from 1 to the ratio (left of 1 =
 * ours faster/smaller). Goals, where given, are drawn as a tick.
 */
export function ratioChartSvg(records, { title = 'ours / baseline (log scale, lower is better)' } = {}) {
  const labelW = 330;
  const plotW = 560;
  const valueW = 70;
  const rowH = 20;
  const top = 46;
  const width = labelW + plotW + valueW + 20;
  const height = top + records.length * rowH + 40;
  const vals = records.flatMap((r) => [r.ratio, r.goal ?? r.ratio]).filter((x) => x > 0 && Number.isFinite(x));
  let lo = Math.floor(Math.log10(Math.min(1, ...vals)) * 2) / 2;
  let hi = Math.ceil(Math.log10(Math.max(1, ...vals)) * 2) / 2;
  if (hi - lo < 1) hi = lo + 1;
  const x = (v) => labelW + ((Math.log10(v) - lo) / (hi - lo)) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${labelW}" y="18" font-size="14" font-weight="600">${esc(title)}</text>`,
  ];
  // Grid: 1-2-5 ticks per decade inside [lo, hi], fewer when decades are narrow.
  const perDecade = plotW / (hi - lo);
  const mantissas = perDecade >= 150 ? [1, 2, 5] : perDecade >= 80 ? [1, 3] : [1];
  for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) {
    for (const m of mantissas) {
      const v = m * 10 ** d;
      const lv = Math.log10(v);
      if (lv < lo - 1e-9 || lv > hi + 1e-9) continue;
      const xx = x(v).toFixed(1);
      parts.push(`<line x1="${xx}" y1="${top - 6}" x2="${xx}" y2="${top + records.length * rowH}" stroke="${v === 1 ? '#000' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
      parts.push(`<text x="${xx}" y="${top - 10}" text-anchor="middle" fill="#555">${Number(v.toPrecision(1))}</text>`);
    }
  }
  records.forEach((r, i) => {
    const y = top + i * rowH;
    const color = r.goal === undefined ? COLORS.none : r.met ? COLORS.met : COLORS.missed;
    const x1 = x(1);
    const x2 = x(Math.max(r.ratio, 10 ** lo));
    parts.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(r.id)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2).toFixed(1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x2 - x1)).toFixed(1)}" height="${rowH - 8}" fill="${color}" opacity="0.85"><title>${esc(`${r.id}: ${fmt(r.ours)} / ${fmt(r.baseline)} ${r.unit} = ${fmt(r.ratio)}`)}</title></rect>`);
    if (r.goal !== undefined) {
      const gx = x(r.goal).toFixed(1);
      parts.push(`<line x1="${gx}" y1="${y + 1}" x2="${gx}" y2="${y + rowH - 1}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`);
    }
    parts.push(`<text x="${labelW + plotW + 8}" y="${y + 14}">${esc(fmt(r.ratio))}</text>`);
  });
  const ly = top + records.length * rowH + 24;
  const legend = [
    [COLORS.met, 'goal met'],
    [COLORS.missed, 'goal missed'],
    [COLORS.none, 'no goal'],
  ];
  legend.forEach(([c, t], i) => {
    const lx = labelW + i * 120;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${c}"/><text x="${lx + 18}" y="${ly}">${t}</text>`);
  });
  parts.push(`<line x1="${labelW + 370}" y1="${ly - 11}" x2="${labelW + 370}" y2="${ly + 2}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/><text x="${labelW + 378}" y="${ly}">goal</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Grouped bars: ms per call of each kernel on ours, V8 and native. */
export function computeChartSvg(rows) {
  const series = [
    ['ours', 'ours (default engine)', COLORS.ours],
    ['ours_unmetered', 'ours (no epoch interruption)', COLORS.oursLight],
    ['v8', 'V8 WebAssembly', COLORS.v8],
    ['native', 'native gcc -O2', COLORS.native],
  ].filter(([k]) => rows.every((r) => Number.isFinite(r[k])));
  const left = 50;
  const top = 40;
  const plotH = 240;
  const groupW = 40 + series.length * 26;
  const barW = 26;
  const width = Math.max(left + rows.length * groupW + 30, left + series.length * 200);
  const height = top + plotH + 70;
  const max = Math.max(...rows.flatMap((r) => series.map(([k]) => r[k])));
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500].find((s) => max / s <= 8) ?? 1000;
  const top_ = Math.ceil(max / step) * step;
  const y = (v) => top + plotH - (v / top_) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="600">Compute kernels: median ms per call (lower is better)</text>`,
  ];
  for (let v = 0; v <= top_ + 1e-9; v += step) {
    parts.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${width - 20}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v}</text>`);
  }
  rows.forEach((r, i) => {
    const gx = left + i * groupW + (groupW - series.length * barW) / 2;
    series.forEach(([k, label, c], j) => {
      const bx = gx + j * barW;
      parts.push(`<rect x="${bx}" y="${y(r[k]).toFixed(1)}" width="${barW - 3}" height="${(y(0) - y(r[k])).toFixed(1)}" fill="${c}"><title>${esc(`${r.name} ${label}: ${fmt(r[k])} ms`)}</title></rect>`);
    });
    parts.push(`<text x="${left + i * groupW + groupW / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(r.name)}</text>`);
  });
  const ly = top + plotH + 48;
  series.forEach(([, label, c], j) => {
    const lx = left + j * 200;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${c}"/><text x="${lx + 18}" y="${ly}">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
