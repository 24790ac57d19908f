// Plain-text tables for the demo and the bench: columns padded to the widest cell; a cell with
// line breaks spans several lines.
export function table(head: string[], body: string[][]): string {
  const rows = body.flatMap((r) => {
    const cells = r.map((c) => c.split('\n'));
    const height = Math.max(1, ...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, i) => cells.map((c) => c[i] ?? ''));
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
