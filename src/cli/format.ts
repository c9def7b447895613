/** Plain-text output helpers for the CLI; what servers wrote is shown with its control characters visible. */
import { visibleControls } from '../core/util/untrusted';

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map((r) => line(r.map(visibleControls)))].join('\n')}\n`);
}

export function oneLine(text: string | undefined, max = 100): string {
  const flat = visibleControls((text ?? '').replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
