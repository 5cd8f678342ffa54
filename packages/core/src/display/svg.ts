/**
 * @module display/svg
 * The ancestry graph as an SVG document (upstream `display/svg.rs` geometry: 20 px between
 * lanes, 28 px between rows, 5 px dots, 13 px monospace text). Lanes are one `<line>` per
 * unbroken run of a column, fork joins cubic `<path>`s, snapshots `<circle>`s, each row a
 * `<text>` with the short id, labels and message. Everything is escaped and control characters
 * replaced, so any commit message gives well-formed XML. `plain` draws in grey. Each row's circle
 * and text carry `data-snapshot-id` (the full id), so a page can make commits clickable.
 */
import type { AncestryGraph, AncestryNode } from "./ancestry-graph.js";
import { BRANCH_PALETTE, graphMessage, printable, TAG_COLOR } from "./graph-style.js";
import { escapeHtml } from "./repr.js";

const COL_SPACING = 20;
const ROW_HEIGHT = 28;
const NODE_RADIUS = 5;
const TEXT_X_OFFSET = 14;
const PADDING_LEFT = 15;
const PADDING_TOP = 10;
const LINE_WIDTH = 2;
const FONT_SIZE = 13;
/** Room for the text column. */
const TEXT_WIDTH = 500;
const PLAIN_COLOR = "#888888";

const colX = (col: number) => PADDING_LEFT + col * COL_SPACING;
const rowY = (row: number) => PADDING_TOP + row * ROW_HEIGHT + NODE_RADIUS;
const xml = (s: string) => escapeHtml(printable(s));
/** Coordinates without float noise (`15`, `19.333`). */
const num = (v: number) => String(Math.round(v * 1000) / 1000);

function labels(node: AncestryNode, color: string, tagColor: string): string {
  const parts = [
    ...node.branches.map((b) => `<tspan font-weight="bold" fill="${color}">${xml(b)}</tspan>`),
    ...node.tags.map(
      (t) => `<tspan font-weight="bold" font-style="italic" fill="${tagColor}">${xml(t)}</tspan>`,
    ),
  ];
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/** Lane runs per column, cut where a side branch leaves its lane for the join curve. */
function laneRuns(g: AncestryGraph): Array<[col: number, fromRow: number, toRow: number]> {
  const elements = g.layout();
  const joinRow = new Map<number, number>();
  for (const e of elements) if (e.type === "fork") joinRow.set(e.fromCol, e.fromRow);
  const open = new Map<number, [number, number]>();
  const runs: Array<[number, number, number]> = [];
  for (const e of elements) {
    if (e.type !== "line") continue;
    const run = open.get(e.col);
    if (run && e.fromRow <= run[1]) run[1] = Math.max(run[1], e.toRow);
    else {
      if (run) runs.push([e.col, run[0], run[1]]);
      open.set(e.col, [e.fromRow, e.toRow]);
    }
    const cut = joinRow.get(e.col);
    if (cut !== undefined && e.toRow > cut) {
      const r = open.get(e.col);
      if (r) {
        runs.push([e.col, r[0], cut]);
        open.delete(e.col);
      }
    }
  }
  for (const [col, [a, b]] of open) runs.push([col, a, b]);
  return runs;
}

/** The SVG document of an ancestry graph. */
export function ancestrySvg(g: AncestryGraph): string {
  const svgOpen = (w: number, h: number) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(w)}" height="${num(h)}" ` +
    `viewBox="0 0 ${num(w)} ${num(h)}" style="font-family: monospace; font-size: ${FONT_SIZE}px;">`;
  if (g.nodes.length === 0)
    return `${svgOpen(200, 30)}<text x="10" y="20" fill="#888">(empty history)</text></svg>\n`;
  const colors = g.columnColors();
  const hex = (col: number) =>
    g.plain ? PLAIN_COLOR : BRANCH_PALETTE[colors[col]! % BRANCH_PALETTE.length]![1];
  const tagColor = g.plain ? PLAIN_COLOR : TAG_COLOR[1];
  const truncated = g.totalSnapshots > g.nodes.length;
  const textX = PADDING_LEFT + Math.max(g.numColumns, 1) * COL_SPACING + TEXT_X_OFFSET;
  const height = PADDING_TOP * 2 + (g.nodes.length + (truncated ? 1 : 0)) * ROW_HEIGHT;
  const out = [svgOpen(textX + TEXT_WIDTH, height)];
  for (const [col, a, b] of laneRuns(g))
    out.push(
      `  <line x1="${num(colX(col))}" y1="${num(rowY(a))}" x2="${num(colX(col))}" y2="${num(rowY(b))}" ` +
        `stroke="${hex(col)}" stroke-width="${LINE_WIDTH}" />`,
    );
  for (const e of g.layout()) {
    if (e.type !== "fork") continue;
    const [x1, y1, x2, y2] = [colX(e.fromCol), rowY(e.fromRow), colX(e.toCol), rowY(e.toRow)];
    const mid = (y1 + y2) / 2;
    out.push(
      `  <path d="M ${num(x1)} ${num(y1)} C ${num(x1)} ${num(mid)}, ${num(x2)} ${num(mid)}, ${num(x2)} ${num(y2)}" ` +
        `fill="none" stroke="${hex(e.fromCol)}" stroke-width="${LINE_WIDTH}" />`,
    );
  }
  g.nodes.forEach((node, row) => {
    const cy = rowY(row);
    const id = `data-snapshot-id="${xml(node.info.id)}"`;
    out.push(
      `  <circle ${id} cx="${num(colX(node.column))}" cy="${num(cy)}" r="${NODE_RADIUS}" fill="${hex(node.column)}" />`,
    );
    out.push(
      `  <text ${id} x="${num(textX)}" y="${num(cy + FONT_SIZE / 3)}" fill="#aaa">` +
        `<tspan fill="#888">${xml(node.info.id.slice(0, 8))}</tspan>` +
        `${labels(node, hex(node.column), tagColor)} ${xml(graphMessage(node.info.message))}</text>`,
    );
  });
  if (truncated)
    out.push(
      `  <text x="${num(textX)}" y="${num(rowY(g.nodes.length) + FONT_SIZE / 3)}" fill="#888">` +
        `... (showing ${g.nodes.length} of ${g.totalSnapshots} snapshots)</text>`,
    );
  out.push("</svg>\n");
  return out.join("\n");
}
