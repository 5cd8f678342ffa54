/**
 * @module display/ancestry-graph
 * The history of a repository drawn as upstream's `display/ancestry_graph.rs` draws it: every
 * branch a column ("main" first, the trunk, then by name), each snapshot once (in the column of
 * the first branch that reaches it), newest first, at most 100 rows. A side branch's column
 * runs from its tip down to the row above its fork point, where `╯` joins the fork point's `●`
 * (blank columns between them filled with `─`). Labels: branch tips in their branch colour, tags
 * in blue italics. `toString()` is the terminal text (ANSI colours unless `plain`), `toSVG()` the
 * same layout as an SVG document (display/svg).
 *
 * Differences from upstream, deliberately: snapshots written in the same microsecond keep the
 * order the branches reached them (upstream's order is then arbitrary); a graph of a tag or a
 * snapshot id has no empty "()" label on its first row; control characters in commit messages
 * and names print as U+FFFD, so a message cannot drive the terminal.
 */
import { InvalidArgumentError } from "../errors.js";
import type { CallOptions, SnapshotInfo, VersionSpec } from "../repo-core/types.js";
import { mapConcurrent } from "../util/concurrency.js";
import { BRANCH_PALETTE, graphMessage, printable, TAG_COLOR } from "./graph-style.js";
import { INSPECT_CUSTOM, JUPYTER_DISPLAY, type JupyterBundle } from "./repr.js";
import { ancestrySvg } from "./svg.js";

/** One row of the graph: a snapshot with the branches whose tip it is and its tags. */
export interface AncestryNode {
  readonly info: SnapshotInfo;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  /** 0 = leftmost (the trunk). */
  readonly column: number;
}

/** A positioned piece of the drawing, shared by the text and SVG renderers. */
export type LayoutElement =
  | { readonly type: "node"; readonly row: number; readonly col: number }
  /** A column's lane from one row to the next. */
  | {
      readonly type: "line";
      readonly fromRow: number;
      readonly toRow: number;
      readonly col: number;
    }
  /** A side branch joining its fork point. */
  | {
      readonly type: "fork";
      readonly fromRow: number;
      readonly fromCol: number;
      readonly toRow: number;
      readonly toCol: number;
    };

/** Rows drawn before "... (showing N of M snapshots)". */
export const MAX_DISPLAY_NODES = 100;

const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";
const ITALIC = "\x1b[3m";
const DIM = "\x1b[2m";

/** "main" first, then by name (trunk and colour order). */
function mainFirst(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "main") return -1;
  if (b === "main") return 1;
  return a < b ? -1 : 1;
}

/**
 * The history of a repository drawn as a graph (`repo.ancestryGraph()`): `String(graph)` is the
 * terminal rendering (Unicode lanes, ANSI colours unless `plain`), `graph.toSVG()` an SVG document.
 * @example
 * console.log(String(await repo.ancestryGraph({ plain: true })));
 */
export class AncestryGraph {
  /** Rows, newest first. */
  readonly nodes: readonly AncestryNode[];
  readonly numColumns: number;
  /** Every branch of the repository ("main" first), for stable colours. */
  readonly allBranches: readonly string[];
  /** Snapshots before truncation to 100 rows (`MAX_DISPLAY_NODES`). */
  readonly totalSnapshots: number;
  /** No colours: no ANSI codes in text, grey in SVG. */
  readonly plain: boolean;

  /**
   * @param branchAncestries per branch, its ancestry newest first (branch "" for a tag's or a
   *   snapshot's history)
   * @param tags snapshot id → tag names
   */
  constructor(
    branchAncestries: ReadonlyArray<readonly [branch: string, ancestry: readonly SnapshotInfo[]]>,
    tags: ReadonlyMap<string, readonly string[]>,
    allBranches: readonly string[],
    plain: boolean,
  ) {
    const sorted = [...branchAncestries].sort((a, b) => mainFirst(a[0], b[0]));
    this.allBranches = [...allBranches].sort(mainFirst);
    this.plain = plain;
    this.numColumns = sorted.length;
    const tipLabels = new Map<string, string[]>();
    for (const [name, ancestry] of sorted) {
      const tip = ancestry[0];
      if (tip && name !== "") tipLabels.set(tip.id, [...(tipLabels.get(tip.id) ?? []), name]);
    }
    const seen = new Set<string>();
    const nodes: AncestryNode[] = [];
    sorted.forEach(([, ancestry], column) => {
      for (const info of ancestry) {
        if (seen.has(info.id)) break; // a shared ancestor: the rest is drawn already
        seen.add(info.id);
        nodes.push({
          info,
          branches: tipLabels.get(info.id) ?? [],
          tags: [...(tags.get(info.id) ?? [])],
          column,
        });
      }
    });
    nodes.sort((a, b) => b.info.flushedAt - a.info.flushedAt); // stable: ties keep walk order
    this.totalSnapshots = nodes.length;
    this.nodes = nodes.slice(0, MAX_DISPLAY_NODES);
  }

  /** Palette index per column: its tip's branch's place among all branches. */
  columnColors(): number[] {
    return Array.from({ length: this.numColumns }, (_, col) => {
      const name = this.nodes.find((n) => n.column === col)?.branches[0];
      const i = name === undefined ? -1 : this.allBranches.indexOf(name);
      return name === undefined ? col : Math.max(i, 0);
    });
  }

  /** Nodes, lanes and fork joins, row by row. */
  layout(): LayoutElement[] {
    const out: LayoutElement[] = [];
    const active = new Array<boolean>(this.numColumns).fill(false);
    // side-branch column → the snapshot its oldest drawn commit forked from
    const forkTargets = new Map<number, string>();
    for (let col = 1; col < this.numColumns; col++) {
      let oldest: AncestryNode | undefined;
      for (const n of this.nodes) if (n.column === col) oldest = n;
      if (oldest?.info.parentId !== undefined) forkTargets.set(col, oldest.info.parentId);
    }
    this.nodes.forEach((node, row) => {
      const col = node.column;
      active[col] = true;
      out.push({ type: "node", row, col });
      const joining = [...forkTargets]
        .filter(([c, id]) => id === node.info.id && active[c])
        .map(([c]) => c)
        .sort((a, b) => a - b);
      for (const c of joining) {
        out.push({
          type: "fork",
          fromRow: Math.max(row - 1, 0),
          fromCol: c,
          toRow: row,
          toCol: col,
        });
        active[c] = false;
      }
      if (row >= this.nodes.length - 1) return;
      const more = this.nodes.slice(row + 1).some((n) => n.column === col);
      // a trunk column ends at its last node; side columns end where they join
      if (!more && !forkTargets.has(col)) active[col] = false;
      active.forEach((on, c) => {
        if (on) out.push({ type: "line", fromRow: row, toRow: row + 1, col: c });
      });
    });
    return out;
  }

  /** The terminal rendering (ANSI colours unless `plain`), one line per row and lane. */
  toString(): string {
    return ancestryText(this);
  }

  /** The graph as an SVG document (same layout as the text). */
  toSVG(): string {
    return ancestrySvg(this);
  }

  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  /** Notebooks (Deno's Jupyter kernel): the SVG, with the plain text as fallback. */
  [JUPYTER_DISPLAY](): JupyterBundle {
    return { "image/svg+xml": this.toSVG(), "text/plain": ancestryText(this, true) };
  }
}

interface Cell {
  glyph: string;
  glyphColor: number;
  trail: string;
  trailColor: number;
}

const ansi = (i: number) => BRANCH_PALETTE[i % BRANCH_PALETTE.length]![0];

function renderPrefix(
  columns: number,
  plain: boolean,
  cellFor: (c: number) => Cell | undefined,
): string {
  let out = "";
  for (let c = 0; c < columns; c++) {
    const cell = cellFor(c);
    if (!cell) out += "  ";
    else if (plain) out += cell.glyph + cell.trail;
    else if (cell.trail === " ") out += `${ansi(cell.glyphColor)}${cell.glyph}${RESET} `;
    else
      out += `${ansi(cell.glyphColor)}${cell.glyph}${RESET}${ansi(cell.trailColor)}${cell.trail}${RESET}`;
  }
  return out;
}

function labelsText(node: AncestryNode, colors: number[], plain: boolean): string {
  const parts = [
    ...node.branches.map((b) =>
      plain ? printable(b) : `${BOLD}${ansi(colors[node.column]!)}${printable(b)}${RESET}`,
    ),
    ...node.tags.map((t) =>
      plain ? printable(t) : `${BOLD}${ITALIC}${TAG_COLOR[0]}${printable(t)}${RESET}`,
    ),
  ];
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/** The text rendering; `forcePlain` drops colours regardless of the graph's setting. */
export function ancestryText(g: AncestryGraph, forcePlain = false): string {
  const plain = g.plain || forcePlain;
  if (g.nodes.length === 0) return "(empty history)\n";
  const colors = g.columnColors();
  const lines = new Map<number, Set<number>>(); // from row → lane columns
  const forks = new Map<number, number[]>(); // fork point row → joining columns
  for (const e of g.layout()) {
    if (e.type === "line") lines.set(e.fromRow, (lines.get(e.fromRow) ?? new Set()).add(e.col));
    else if (e.type === "fork") forks.set(e.toRow, [...(forks.get(e.toRow) ?? []), e.fromCol]);
  }
  let out = "";
  g.nodes.forEach((node, row) => {
    const joining = [...(forks.get(row) ?? [])].sort((a, b) => a - b);
    const rightmost = joining.at(-1);
    const colorOfJoinFrom = (c: number) => {
      const fc = joining.find((x) => x >= c);
      return fc === undefined ? 0 : colors[fc]!;
    };
    const prefix = renderPrefix(g.numColumns, plain, (c) => {
      const onJoin = rightmost !== undefined && c >= node.column && c < rightmost;
      const trail = onJoin ? "─" : " ";
      const trailColor = onJoin ? colorOfJoinFrom(c + 1) : 0;
      if (c === node.column) return { glyph: "●", glyphColor: colors[c]!, trail, trailColor };
      const isJoining = joining.includes(c);
      if (isJoining) return { glyph: "╯", glyphColor: colors[c]!, trail, trailColor };
      const lane = lines.get(row)?.has(c) || (row > 0 && lines.get(row - 1)?.has(c));
      if (lane) return { glyph: "│", glyphColor: colors[c]!, trail: " ", trailColor: 0 };
      if (rightmost !== undefined && c > node.column && c < rightmost)
        return { glyph: "─", glyphColor: colorOfJoinFrom(c), trail, trailColor };
      return undefined;
    });
    const shortId = node.info.id.slice(0, 8);
    const labels = labelsText(node, colors, plain);
    const message = graphMessage(node.info.message);
    out += plain
      ? `${prefix}${shortId}${labels} ${message}\n`
      : `${prefix}${DIM}${shortId}${RESET}${labels} ${message}\n`;
    const lanes = lines.get(row);
    if (lanes)
      out += `${renderPrefix(g.numColumns, plain, (c) =>
        lanes.has(c)
          ? { glyph: "│", glyphColor: colors[c]!, trail: " ", trailColor: 0 }
          : undefined,
      )}\n`;
  });
  if (g.totalSnapshots > g.nodes.length) {
    const note = `  ... (showing ${g.nodes.length} of ${g.totalSnapshots} snapshots)`;
    out += plain ? `${note}\n` : `${DIM}${note}${RESET}\n`;
  }
  return out;
}

/** Tag lookups and branch walks in flight at once (spec 1: each is a GET). */
const LOOKUP_CONCURRENCY = 8;

/** Which history `repo.ancestryGraph` draws: one ref or snapshot, or (no version) every branch. */
export interface AncestryGraphOptions extends CallOptions {
  branch?: string;
  tag?: string;
  snapshotId?: string;
  /** No colours (no ANSI codes, grey SVG). */
  plain?: boolean;
}

/** What the graph needs of a repository. */
export interface GraphSource {
  listBranches(options?: CallOptions): Promise<string[]>;
  listTags(options?: CallOptions): Promise<string[]>;
  lookupTag(name: string, options?: CallOptions): Promise<string>;
  ancestry(version: VersionSpec, options?: CallOptions): Promise<SnapshotInfo[]>;
}

/** Upstream `Repository::ancestry_graph`: fetches refs and ancestries, then lays them out. */
export async function buildAncestryGraph(
  repo: GraphSource,
  options: AncestryGraphOptions = {},
): Promise<AncestryGraph> {
  const given = (["branch", "tag", "snapshotId"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1)
    throw new InvalidArgumentError(
      "ancestryGraph options",
      `pass at most one of branch, tag and snapshotId, got ${given.join(" and ")}`,
    );
  const [allBranches, tagNames] = await Promise.all([
    repo.listBranches(options),
    repo.listTags(options),
  ]);
  const names = [...tagNames].sort();
  const tagIds = await mapConcurrent(names, LOOKUP_CONCURRENCY, (t) => repo.lookupTag(t, options));
  const tags = new Map<string, string[]>();
  names.forEach((name, i) => {
    tags.set(tagIds[i]!, [...(tags.get(tagIds[i]!) ?? []), name]);
  });
  const plain = options.plain ?? false;
  if (options.tag !== undefined || options.snapshotId !== undefined) {
    const version: VersionSpec =
      options.tag !== undefined ? { tag: options.tag } : { snapshotId: options.snapshotId! };
    return new AncestryGraph(
      [["", await repo.ancestry(version, options)]],
      tags,
      allBranches,
      plain,
    );
  }
  const walk = options.branch !== undefined ? [options.branch] : allBranches;
  const ancestries = await mapConcurrent(
    walk,
    LOOKUP_CONCURRENCY,
    async (branch) => [branch, await repo.ancestry({ branch }, options)] as const,
  );
  return new AncestryGraph(ancestries, tags, allBranches, plain);
}
