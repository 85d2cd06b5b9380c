/**
 * A small grouped horizontal bar chart as SVG text, drawn without a chart library: one group per case, one
 * bar per contender, a dashed line for a reference value of the group (the physical limit), and bars past
 * the scale drawn to its end with their value marked as a lower bound.
 */
export interface ChartGroup {
  title: string;
  bars: Array<{ label: string; value: number; lowerBound?: boolean }>;
  /** Drawn as a dashed vertical line labelled `referenceLabel`. */
  reference?: number;
}

const COLORS = ['#2563eb', '#f59e0b', '#6b7280', '#10b981'];
const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * @example barChart('Wall time (s)', [{ title: 'latency-bound', bars: [{ label: 'inlet', value: 3.1 }], reference: 2.55 }], 'limit')
 */
export function barChart(title: string, groups: ChartGroup[], referenceLabel: string, unit = 's'): string {
  const width = 760;
  const left = 150;
  const right = 90;
  const barHeight = 20;
  const gap = 6;
  const groupGap = 34;
  const top = 48;
  const max = Math.max(...groups.flatMap((g) => [...g.bars.map((b) => b.value), g.reference ?? 0])) * 1.05;
  const x = (value: number) => left + (Math.min(value, max) / max) * (width - left - right);
  const parts: string[] = [];
  let y = top;
  for (const group of groups) {
    parts.push(`<text x="10" y="${y - 8}" font-weight="bold">${xml(group.title)}</text>`);
    const groupTop = y;
    group.bars.forEach((bar, i) => {
      const color = COLORS[i % COLORS.length];
      const text = `${bar.lowerBound ? '> ' : ''}${bar.value.toFixed(2)} ${unit}`;
      parts.push(
        `<text x="${left - 8}" y="${y + barHeight - 6}" text-anchor="end">${xml(bar.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${(x(bar.value) - left).toFixed(1)}" height="${barHeight}" fill="${color}"${bar.lowerBound ? ' fill-opacity="0.5"' : ''}/>`,
        `<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + barHeight - 6}">${xml(text)}</text>`,
      );
      y += barHeight + gap;
    });
    if (group.reference !== undefined) {
      const rx = x(group.reference).toFixed(1);
      parts.push(
        `<line x1="${rx}" y1="${groupTop - 4}" x2="${rx}" y2="${y - gap + 4}" stroke="#dc2626" stroke-width="2" stroke-dasharray="5,4"/>`,
        `<text x="${rx}" y="${y + 10}" fill="#dc2626" text-anchor="middle">${xml(`${referenceLabel} ${group.reference.toFixed(2)} ${unit}`)}</text>`,
      );
    }
    y += groupGap;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    `<line x1="${left}" y1="${top - 20}" x2="${left}" y2="${height - 20}" stroke="#111827"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
