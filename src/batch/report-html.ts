/**
 * The batch report: one self-contained HTML file (no scripts, no external files) with the
 * summary table and two figures per model as inline SVG - the paper-style grid of metamers
 * (rows: references, columns: the reference then each stage, a green or red frame for the
 * success test) and recognition against stage with the chance line.
 */
import type { BatchSummary, Distribution, StageSummary } from './summary.ts';

/** One cell of the grid: a PNG (image models) or samples drawn as a waveform (audio models). */
export type GridPicture = { kind: 'png'; base64: string } | { kind: 'wave'; samples: Float32Array };

export interface GridRow {
  label: string;
  reference: GridPicture | null;
  /** Per stage (model order): the metamer and its verdict (null: untested or not done). */
  cells: Record<string, { picture: GridPicture; pass: boolean | null } | undefined>;
}

export interface ReportModel {
  id: string;
  name: string;
  stages: string[];
  rows: GridRow[];
}

export interface ReportInput {
  title: string;
  settingsLine: string;
  summary: BatchSummary;
  models: ReportModel[];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

function picture(p: GridPicture, x: number, y: number, size: number): string {
  if (p.kind === 'png') {
    return `<image x="${x}" y="${y}" width="${size}" height="${size}" preserveAspectRatio="xMidYMid meet" style="image-rendering:pixelated" href="data:image/png;base64,${p.base64}"/>`;
  }
  // Min/max per column so a 40,000-sample clip stays a small path.
  const cols = size;
  const per = Math.max(1, Math.floor(p.samples.length / cols));
  let peak = 1e-12;
  for (const v of p.samples) peak = Math.max(peak, Math.abs(v));
  const parts: string[] = [];
  for (let c = 0; c < cols; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = c * per; k < Math.min(p.samples.length, (c + 1) * per); k++) {
      lo = Math.min(lo, p.samples[k]);
      hi = Math.max(hi, p.samples[k]);
    }
    if (lo > hi) continue;
    const mid = y + size / 2;
    parts.push(`M${x + c} ${(mid - (hi / peak) * (size / 2)).toFixed(1)}V${(mid - (lo / peak) * (size / 2)).toFixed(1)}`);
  }
  return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#fff"/><path d="${parts.join('')}" stroke="#333" stroke-width="1" fill="none"/>`;
}

/** The grid of metamers: rows = references, columns = reference + stages. */
export function gridSvg(model: ReportModel, size = 72): string {
  const labelW = 110;
  const gap = 6;
  const head = 36;
  const cols = model.stages.length + 1;
  const width = labelW + cols * (size + gap);
  const height = head + model.rows.length * (size + gap);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Metamers of ${escapeHtml(model.name)} per stage">`];
  const colX = (c: number) => labelW + c * (size + gap);
  out.push(`<text x="${colX(0) + size / 2}" y="${head - 8}" text-anchor="middle" font-size="11">reference</text>`);
  model.stages.forEach((s, i) => out.push(`<text x="${colX(i + 1) + size / 2}" y="${head - 8}" text-anchor="middle" font-size="11">${escapeHtml(s)}</text>`));
  model.rows.forEach((row, r) => {
    const y = head + r * (size + gap);
    out.push(`<text x="${labelW - 8}" y="${y + size / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(row.label)}</text>`);
    if (row.reference) out.push(picture(row.reference, colX(0), y, size));
    model.stages.forEach((s, i) => {
      const cell = row.cells[s];
      const x = colX(i + 1);
      if (!cell) {
        out.push(`<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#eee"/><text x="${x + size / 2}" y="${y + size / 2 + 4}" text-anchor="middle" font-size="10" fill="#888">not done</text>`);
        return;
      }
      out.push(picture(cell.picture, x, y, size));
      const stroke = cell.pass === null ? '#999' : cell.pass ? '#2ca02c' : '#d62728';
      out.push(`<rect x="${x - 1.5}" y="${y - 1.5}" width="${size + 3}" height="${size + 3}" fill="none" stroke="${stroke}" stroke-width="3"><title>${escapeHtml(s)}: ${cell.pass === null ? 'no success test' : cell.pass ? 'passes' : 'fails'} the success test</title></rect>`);
    });
  });
  out.push('</svg>');
  return out.join('');
}

/** Recognition (share of metamers given the reference's label) against stage, one line per recogniser. */
export function recognitionSvg(model: string, stages: readonly StageSummary[], chance: number | null, recognisers: readonly string[]): string {
  const W = 620;
  const H = 300;
  const m = { l: 48, r: 230, t: 16, b: 70 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const n = stages.length;
  const x = (i: number) => m.l + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
  const y = (v: number) => m.t + (1 - v) * ph;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Recognition of ${escapeHtml(model)} metamers by stage">`];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${(v * 100).toFixed(0)}%</text>`);
  }
  stages.forEach((s, i) => out.push(`<text transform="translate(${x(i)},${m.t + ph + 12}) rotate(35)" font-size="11">${escapeHtml(s.stage)}</text>`));
  out.push(`<text transform="translate(12,${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11">recognised as the reference's class</text>`);
  if (chance !== null) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y(chance)}" y2="${y(chance)}" stroke="#666" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${m.l + pw + 8}" y="${y(chance) + 4}" font-size="11" fill="#666">chance (${(chance * 100).toFixed(0)}%)</text>`);
  }
  recognisers.forEach((r, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = stages.map((s, i) => (s.recognition[r] ? [x(i), y(s.recognition[r].rate), s.recognition[r]] as const : null));
    const d = pts.map((p, i) => (p ? `${i === 0 || !pts[i - 1] ? 'M' : 'L'}${p[0].toFixed(1)} ${p[1].toFixed(1)}` : '')).join('');
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of pts) {
      if (p) out.push(`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3.5" fill="${color}"><title>${escapeHtml(r)}: ${p[2].correct}/${p[2].n}</title></circle>`);
    }
    const ly = m.t + 10 + k * 18;
    out.push(`<line x1="${m.l + pw + 8}" x2="${m.l + pw + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${m.l + pw + 32}" y="${ly + 4}" font-size="11">${escapeHtml(r)}${r === model ? ' (self)' : ''}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function dist(d: Distribution | null, inf: number): string {
  const tail = inf > 0 ? ` <span title="exact matches">(+${inf} &infin;)</span>` : '';
  if (!d) return inf > 0 ? `${inf} &infin;` : '&ndash;';
  return `${fmt(d.median)} <small>[${fmt(d.q25)}, ${fmt(d.q75)}]</small>${tail}`;
}

export function reportHtml(input: ReportInput): string {
  const { summary } = input;
  const rows = summary.stages
    .map((s) => {
      const rec = Object.entries(s.recognition)
        .map(([r, v]) => `${escapeHtml(r)} ${v.correct}/${v.n}`)
        .join('<br>');
      const pass = s.passRate === null ? '&ndash;' : `${(s.passRate * 100).toFixed(0)}% <small>(${s.passed}/${s.tested})</small>`;
      return `<tr><td>${escapeHtml(s.model)}</td><td>${escapeHtml(s.stage)}</td><td>${s.jobs}</td><td>${pass}</td><td>${dist(s.metrics.spearman, s.infinite.spearman)}</td><td>${dist(s.metrics.pearson, s.infinite.pearson)}</td><td>${dist(s.metrics.snrDb, s.infinite.snrDb)}</td><td>${rec || '&ndash;'}</td></tr>`;
    })
    .join('\n');
  const figures = input.models
    .map((m) => {
      const stages = summary.stages.filter((s) => s.model === m.id);
      return `<section><h2>${escapeHtml(m.name)} <small>(${escapeHtml(m.id)})</small></h2>
<figure>${gridSvg(m)}<figcaption>Metamers per stage (first seed of each reference, up to 12 references per model). Frame: green passes the success test, red fails, grey untested.</figcaption></figure>
<figure>${recognitionSvg(m.id, stages, summary.chance[m.id] ?? null, summary.recognisers[m.id] ?? [])}<figcaption>Share of metamers each model classifies as the reference's class (argmax of its readout), by generation stage; dashed: chance.</figcaption></figure>
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}small{color:#666}figure{margin:1em 0}figcaption{color:#555;font-size:12px;max-width:60em}</style>
</head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.settingsLine)}</p>
<p>${summary.jobs.done} of ${summary.jobs.total} jobs done.</p>
<table><thead><tr><th>model</th><th>stage</th><th>jobs</th><th>pass rate</th><th>Spearman</th><th>Pearson</th><th>SNR (dB)</th><th>recognised</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p><small>Metric columns: median [25th, 75th percentile] at the generation stage over the stage's done jobs.</small></p>
${figures}
</body></html>
`;
}
