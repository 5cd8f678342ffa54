/**
 * @module session/diff-text
 * The text form of a Diff as the Python package prints it (`Diff.__str__`): one section per
 * non-empty field ("Groups created:", "Arrays created:", "Group definitions updated:", "Array
 * definitions updated:", "Groups deleted:", "Arrays deleted:", "Chunks updated:", "Nodes
 * moved/renamed:"), four-space indents, at most 10 chunk coordinates per array. `isEmpty()` and
 * the text form live on the prototype every Diff the library returns shares.
 */

import {
  escapeHtml,
  INSPECT_CUSTOM,
  JUPYTER_DISPLAY,
  type JupyterBundle,
} from "../display/repr.js";
import type { Diff, DiffFields } from "./diff.js";

const SECTIONS: ReadonlyArray<[keyof DiffFields, string]> = [
  ["newGroups", "Groups created:"],
  ["newArrays", "Arrays created:"],
  ["updatedGroups", "Group definitions updated:"],
  ["updatedArrays", "Array definitions updated:"],
  ["deletedGroups", "Groups deleted:"],
  ["deletedArrays", "Arrays deleted:"],
];

/** Chunk coordinates listed per array before "... N more". */
const CHUNKS_SHOWN = 10;

/**
 * The text form; `maxPaths` (for bounded reprs) cuts long path lists with "... N more" too,
 * where upstream lists every path.
 */
export function diffText(d: DiffFields, maxPaths = Number.POSITIVE_INFINITY): string {
  let out = "";
  const list = (items: readonly string[]) => {
    for (const p of items.slice(0, maxPaths)) out += `    ${p}\n`;
    if (items.length > maxPaths) out += `    ... ${items.length - maxPaths} more\n`;
  };
  for (const [field, title] of SECTIONS) {
    const paths = d[field] as readonly string[];
    if (paths.length === 0) continue;
    out += `${title}\n`;
    list(paths);
    out += "\n";
  }
  const chunked = Object.entries(d.updatedChunks);
  if (chunked.length > 0) {
    out += "Chunks updated:\n";
    for (const [path, coords] of chunked.slice(0, maxPaths)) {
      out += `    ${path}:\n`;
      out += coords
        .slice(0, CHUNKS_SHOWN)
        .map((c) => `        [${c.join(", ")}]`)
        .join("\n");
      out += "\n";
      if (coords.length > CHUNKS_SHOWN) out += `        ... ${coords.length - CHUNKS_SHOWN} more\n`;
    }
    if (chunked.length > maxPaths) out += `    ... ${chunked.length - maxPaths} more\n`;
  }
  if (d.movedNodes.length > 0) {
    out += "Nodes moved/renamed:\n";
    list(d.movedNodes.map((m) => `${m.from} -> ${m.to}`));
    out += "\n";
  }
  return out;
}

/** True when the diff records no change at all. */
export function diffIsEmpty(d: DiffFields): boolean {
  return (
    SECTIONS.every(([field]) => (d[field] as readonly string[]).length === 0) &&
    Object.keys(d.updatedChunks).length === 0 &&
    d.movedNodes.length === 0
  );
}

/** Paths listed per section in `util.inspect` and notebook output. */
const REPR_PATHS = 20;

function reprText(d: DiffFields): string {
  return diffIsEmpty(d) ? "Diff (no changes)" : `Diff\n${diffText(d, REPR_PATHS).trimEnd()}`;
}

const DIFF_PROTO: object = {};
Object.defineProperties(DIFF_PROTO, {
  isEmpty: {
    value(this: DiffFields) {
      return diffIsEmpty(this);
    },
    writable: true,
    configurable: true,
  },
  toString: {
    value(this: DiffFields) {
      return diffText(this);
    },
    writable: true,
    configurable: true,
  },
  [INSPECT_CUSTOM]: {
    value(this: DiffFields) {
      return reprText(this);
    },
    writable: true,
    configurable: true,
  },
  [JUPYTER_DISPLAY]: {
    value(this: DiffFields): JupyterBundle {
      const text = reprText(this);
      return { "text/plain": text, "text/html": `<pre>${escapeHtml(text)}</pre>` };
    },
    writable: true,
    configurable: true,
  },
});

/** A Diff with `isEmpty()` and the text form, over these fields. */
export function makeDiff(fields: DiffFields): Diff {
  return Object.assign(Object.create(DIFF_PROTO) as Diff, fields);
}
