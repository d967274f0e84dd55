import { METHOD_LABELS, formatBytes, type CopyCaseResult, type Method } from './copy-bench';

/**
 * docs/benchmarks.svg: throughput (median, min–max whiskers) and peak RSS per object size, one bar per method.
 * Plain SVG written here, so the chart needs no plotting package and regenerates with every bench run.
 */
const COLORS: Record<Method, string> = { raw: '#8c8c8c', old: '#e07b39', rclone: '#3b7dd8', engine: '#2e9e5b' };
const W = 980;
const H = 420;
const PANEL = { top: 84, bottom: 70, height: H - 84 - 70 };

export function copyChartSvg(copies: CopyCaseResult[], subtitle: string, rssTargetMiB = 256): string {
  const methods = unique(copies.map((c) => c.method));
  const sizes = unique(copies.map((c) => c.sizeBytes)).sort((a, b) => a - b);
  const throughputSizes = sizes.filter((s) => s >= 1024 * 1024);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">S3 → GCS copy on local servers: throughput and peak memory by method</text>`,
    `<text x="20" y="42" fill="#555">${escape(subtitle)}</text>`,
  );
  parts.push(
    panel({
      x: 60,
      width: 430,
      title: 'Throughput, MB/s (median; whiskers min–max)',
      sizes: throughputSizes,
      methods,
      value: (c) => c.throughput,
      copies,
    }),
  );
  parts.push(
    panel({
      x: 580,
      width: 380,
      title: `Peak RSS of the copying process, MiB`,
      sizes,
      methods,
      value: (c) => c.peakRssMiB,
      copies,
      line: rssTargetMiB,
      // The old design's whole-object buffers would flatten every other bar: clip at 3x the target, print the value.
      cap: rssTargetMiB * 3,
    }),
  );
  methods.forEach((m, i) => {
    const x = 60 + i * 150;
    parts.push(`<rect x="${x}" y="${H - 24}" width="12" height="12" fill="${COLORS[m]}"/><text x="${x + 18}" y="${H - 14}">${escape(METHOD_LABELS[m])}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function panel(o: {
  x: number;
  width: number;
  title: string;
  sizes: number[];
  methods: Method[];
  copies: CopyCaseResult[];
  value: (c: CopyCaseResult) => { median: number; min: number; max: number };
  line?: number;
  cap?: number;
}): string {
  const cases = o.copies.filter((c) => o.sizes.includes(c.sizeBytes));
  const top = Math.min(o.cap ?? Infinity, Math.max(o.line ?? 0, ...cases.map((c) => o.value(c).max)) * 1.1) || 1;
  const scale = niceStep(top);
  const maxY = Math.ceil(top / scale) * scale;
  const y = (v: number) => PANEL.top + PANEL.height - (Math.min(v, maxY) / maxY) * PANEL.height;
  const out: string[] = [`<text x="${o.x}" y="${PANEL.top - 8}" font-weight="bold">${escape(o.title)}</text>`];
  for (let v = 0; v <= maxY + 1e-9; v += scale) {
    out.push(
      `<line x1="${o.x}" x2="${o.x + o.width}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${o.x - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${scale >= 1 ? v.toFixed(0) : fmt(v)}</text>`,
    );
  }
  const group = o.width / Math.max(1, o.sizes.length);
  const bar = Math.min(28, (group - 16) / Math.max(1, o.methods.length));
  o.sizes.forEach((size, gi) => {
    const gx = o.x + gi * group + (group - bar * o.methods.length) / 2;
    o.methods.forEach((m, mi) => {
      const c = cases.find((k) => k.sizeBytes === size && k.method === m);
      if (!c) return;
      const v = o.value(c);
      const bx = gx + mi * bar;
      out.push(
        `<rect x="${bx + 1}" y="${y(v.median)}" width="${bar - 2}" height="${y(0) - y(v.median)}" fill="${COLORS[m]}"><title>${escape(`${METHOD_LABELS[m]}, ${formatBytes(size)}: ${fmt(v.median)} (${fmt(v.min)}–${fmt(v.max)})`)}</title></rect>`,
      );
      if (v.median > maxY) {
        out.push(`<text x="${bx + bar / 2}" y="${y(maxY) + 14}" text-anchor="middle" font-weight="bold" fill="#ffffff" font-size="10">${v.median.toFixed(0)}↑</text>`);
      } else if (v.max > v.min) {
        const cx = bx + bar / 2;
        out.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.min)}" y2="${y(v.max)}" stroke="#222"/>`);
      }
    });
    out.push(`<text x="${o.x + gi * group + group / 2}" y="${y(0) + 18}" text-anchor="middle">${formatBytes(size)}</text>`);
  });
  if (o.line !== undefined) {
    out.push(
      `<line x1="${o.x}" x2="${o.x + o.width}" y1="${y(o.line)}" y2="${y(o.line)}" stroke="#c62828" stroke-dasharray="6 4"/>`,
      `<text x="${o.x + o.width}" y="${y(o.line) - 4}" text-anchor="end" fill="#c62828">engine target ${o.line} MiB</text>`,
    );
  }
  out.push(`<line x1="${o.x}" x2="${o.x + o.width}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  return out.join('\n');
}

function niceStep(max: number): number {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
