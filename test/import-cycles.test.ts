/**
 * Layering of packages/core/src, checked on the import graph (every relative import and re-export,
 * type-only ones included, read with the TypeScript compiler's `preProcessFile`):
 *
 * - no import goes up the layers below (a folder imports only its own or lower layers), except the
 *   listed `UPWARD` edges; a file that depends only on the importer's layer or lower (such as a
 *   leaf of pure types or constants) may be imported from anywhere, since it cannot close a cycle;
 * - the strongly connected components of the graph (import cycles) are exactly `CYCLES`: a new
 *   cycle fails, and so does a listed one that is gone (remove it from the list).
 *
 * See docs/design/000-architecture.md for the layers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../packages/core/src");

/** Rank of each top-level folder (or root file): imports go to the same or a lower rank. */
const LAYERS: Record<string, number> = {
  util: 0,
  errors: 0,
  version: 0,
  format: 1,
  storage: 2,
  assets: 3,
  "repo-core": 4,
  display: 5,
  virtual: 5,
  session: 6,
  ops: 7,
  repo: 8,
  index: 9,
  fs: 9,
};

/**
 * Known upward edges (importer → imported): `ops/migrate.ts` reopens the migrated repository as a
 * `Repository`; `errors.ts` names the conflict type of `RebaseFailedError` (a file that imports
 * only a leaf of `format/`).
 */
const UPWARD = new Set([
  "errors.ts -> session/conflicts/conflict.ts",
  "ops/migrate.ts -> repo/repository.ts",
]);

/**
 * Known cycles, each sorted, all inside one layer: ids and their constants; storage settings and
 * the storage types they configure; the ancestry graph and its SVG rendering; a session and its
 * commit, rebase, diff and store.
 */
const CYCLES = [
  ["format/constants.ts", "format/ids.ts"],
  ["storage/settings.ts", "storage/types.ts"],
  ["display/ancestry-graph.ts", "display/svg.ts"],
  [
    "session/commit.ts",
    "session/diff-text.ts",
    "session/diff.ts",
    "session/rebase.ts",
    "session/session.ts",
    "session/store.ts",
  ],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** File (relative to SRC) → the files it imports (relative to SRC). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const deps = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const target = resolve(dirname(file), fileName).replace(/\.js$/, ".ts");
      if (!existsSync(target)) throw new Error(`${file}: unresolved import ${fileName}`);
      deps.add(relative(SRC, target));
    }
    graph.set(relative(SRC, file), [...deps]);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Every file `start` imports, directly or not. */
function reach(graph: Map<string, string[]>, start: string): string[] {
  const seen = new Set<string>();
  const todo = [...(graph.get(start) ?? [])];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(graph.get(f) ?? []));
  }
  return [...seen];
}

function layerOf(file: string): number {
  const top = file.includes("/") ? (file.split("/")[0] as string) : file.replace(/\.ts$/, "");
  const rank = LAYERS[top];
  if (rank === undefined) throw new Error(`${file}: folder not in LAYERS`);
  return rank;
}

describe("import graph of packages/core/src", () => {
  const graph = importGraph();

  it("imports go down the layers (except the listed upward edges)", () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        if (layerOf(dep) <= layerOf(file)) continue;
        if (reach(graph, dep).every((f) => layerOf(f) <= layerOf(file))) continue;
        upward.push(`${file} -> ${dep}`);
      }
    }
    expect(upward.sort()).toEqual([...UPWARD].sort());
  });

  it("has exactly the listed import cycles", () => {
    const key = (c: string[]) => c.join(" ");
    expect(cycles(graph).map(key).sort()).toEqual(CYCLES.map(key).sort());
  });
});
