/**
 * @module format
 * Plain-text tables and CSV for the human output.
 */

/** Columns padded to their widest cell; a header row when `header` is not empty. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = header.length > 0 ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all)
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return all
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One CSV field (RFC 4180 quoting). */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A byte count for people: `1.5 MiB`. */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
