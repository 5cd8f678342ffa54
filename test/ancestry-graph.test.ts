/**
 * repo.ancestryGraph: the terminal rendering of real repositories (branches, tags, resets, fork
 * sessions merged before a commit, fork points shared by several branches, truncation) checked
 * against renderings drawn by hand, the colours, and the SVG parsed by a real XML parser.
 * Snapshot ids are random, so each rendering names snapshots by the commit that wrote them.
 */

import { readdirSync } from "node:fs";
import {
  AncestryGraph,
  inMemoryStorage,
  isIcechunkError,
  Repository,
  type SnapshotInfo,
} from "@icechunk-ts/core";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import { openFixturePair } from "./support/fixture-pair.js";
import { REFERENCE_REPOS_DIR } from "./support/tmp.js";
import { group } from "./support/zarr-json.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** A repository whose commits are named; `render` prints names where ids would be. */
async function named() {
  const repo = await Repository.create(inMemoryStorage());
  const names = new Map<string, string>();
  names.set(await repo.lookupBranch("main"), "init");
  let n = 0;
  const commit = async (branch: string, name: string) => {
    const s = await repo.writableSession(branch);
    await s.store.set(`n${n++}/zarr.json`, group());
    const id = await s.commit(`${name} message`);
    names.set(id, name);
    return id;
  };
  const render = (text: string) => {
    let out = text;
    for (const [id, name] of names) out = out.replaceAll(id.slice(0, 8), name.padEnd(8));
    return `\n${out}`;
  };
  return { repo, commit, render, names };
}

describe("text rendering", () => {
  it("one branch with tags", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    await commit("main", "c2");
    await repo.createTag("v1", c1);
    await repo.createTag("also-c1", c1);
    expect(
      render(String(await repo.ancestryGraph({ branch: "main", plain: true }))),
    ).toMatchInlineSnapshot(`
      "
      ● c2       (main) c2 message
      │ 
      ● c1       (also-c1, v1) c1 message
      │ 
      ● init     Repository initialized
      "
    `);
  });

  it("every branch as a tree: forks, tags, a branch at another's tip", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    const c2 = await commit("main", "c2");
    await repo.createBranch("feature", c1);
    await commit("feature", "f1");
    await commit("main", "c3");
    await repo.createBranch("hotfix", c2);
    const h1 = await commit("hotfix", "h1");
    await commit("feature", "f2");
    await repo.createTag("v1", c2);
    await repo.createTag("h-tag", h1);
    await repo.createBranch("same", h1); // points at hotfix's tip: a label, no own lane
    expect(render(String(await repo.ancestryGraph({ plain: true })))).toMatchInlineSnapshot(`
      "
        ●     f2       (feature) f2 message
        │     
        │ ●   h1       (hotfix, same, h-tag) h1 message
        │ │   
      ● │ │   c3       (main) c3 message
      │ │ │   
      │ ● │   f1       f1 message
      │ │ │   
      ●─│ ╯   c2       (v1) c2 message
      │ │     
      ●─╯     c1       c1 message
      │       
      ●       init     Repository initialized
      "
    `);
  });

  it("a reset branch drops the snapshots it no longer reaches", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    await repo.createBranch("dev", c1);
    const d1 = await commit("dev", "d1");
    await commit("dev", "d2");
    await commit("main", "c2");
    await repo.resetBranch("dev", d1);
    expect(render(String(await repo.ancestryGraph({ plain: true })))).toMatchInlineSnapshot(`
      "
      ●   c2       (main) c2 message
      │   
      │ ● d1       (dev) d1 message
      │ │ 
      ●─╯ c1       c1 message
      │   
      ●   init     Repository initialized
      "
    `);
    // resetting main back to the root leaves only dev's lane above it
    await repo.resetBranch("main", c1);
    expect(render(String(await repo.ancestryGraph({ plain: true })))).toMatchInlineSnapshot(`
      "
        ● d1       (dev) d1 message
        │ 
      ●─╯ c1       (main) c1 message
      │   
      ●   init     Repository initialized
      "
    `);
  });

  it("fork sessions merged into one commit draw as that one commit", async () => {
    const { repo, commit, render, names } = await named();
    await commit("main", "c1");
    const s = await repo.writableSession("main");
    const forks = await Promise.all([s.fork(), s.fork()]);
    await forks[0]!.store.set("x/zarr.json", group());
    await forks[1]!.store.set("y/zarr.json", group());
    s.merge(...forks);
    names.set(await s.commit("merged forks"), "merged");
    await commit("main", "c2");
    expect(render(String(await repo.ancestryGraph({ plain: true })))).toMatchInlineSnapshot(`
      "
      ● c2       (main) c2 message
      │ 
      ● merged   merged forks
      │ 
      ● c1       c1 message
      │ 
      ● init     Repository initialized
      "
    `);
  });

  it("several branches forked from one commit join on its row", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    await commit("main", "c2");
    await repo.createBranch("feature-a", c1);
    await repo.createBranch("feature-b", c1);
    await commit("feature-a", "a1");
    await commit("feature-b", "b1");
    expect(render(String(await repo.ancestryGraph({ plain: true })))).toMatchInlineSnapshot(`
      "
          ● b1       (feature-b) b1 message
          │ 
        ● │ a1       (feature-a) a1 message
        │ │ 
      ● │ │ c2       (main) c2 message
      │ │ │ 
      ●─╯─╯ c1       c1 message
      │     
      ●     init     Repository initialized
      "
    `);
  });

  it("a join across an ended lane is filled with ─", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    await commit("main", "c2");
    const c3 = await commit("main", "c3");
    await repo.createBranch("alpha", c3);
    await repo.createBranch("beta", c1);
    await commit("alpha", "a1");
    await commit("beta", "b1");
    const text = String(await repo.ancestryGraph({ plain: true }));
    expect(render(text)).toMatchInlineSnapshot(`
      "
          ● b1       (beta) b1 message
          │ 
        ● │ a1       (alpha) a1 message
        │ │ 
      ●─╯ │ c3       (main) c3 message
      │   │ 
      ●   │ c2       c2 message
      │   │ 
      ●───╯ c1       c1 message
      │     
      ●     init     Repository initialized
      "
    `);
    expect(text).toContain("●───╯");
  });

  it("a tag's or a snapshot's history is one line without an empty label", async () => {
    const { repo, commit, render } = await named();
    const c1 = await commit("main", "c1");
    await commit("main", "c2");
    await repo.createTag("v1", c1);
    const byTag = String(await repo.ancestryGraph({ tag: "v1", plain: true }));
    expect(render(byTag)).toMatchInlineSnapshot(`
      "
      ● c1       (v1) c1 message
      │ 
      ● init     Repository initialized
      "
    `);
    expect(byTag).not.toContain("()");
    expect(String(await repo.ancestryGraph({ snapshotId: c1, plain: true }))).toBe(byTag);
  });

  it("colours: main lime, others from the palette, tags blue; plain has no escape codes", async () => {
    const { repo, commit } = await named();
    const c1 = await commit("main", "c1");
    await repo.createBranch("dev", c1);
    await commit("dev", "d1");
    await repo.createTag("v1", c1);
    const colored = String(await repo.ancestryGraph());
    expect(colored).toContain("\x1b[38;2;183;228;0m●\x1b[0m"); // main's lane
    expect(colored).toContain("\x1b[1m\x1b[38;2;166;83;255mdev\x1b[0m"); // dev's label, violet
    expect(colored).toContain("\x1b[1m\x1b[3m\x1b[38;2;94;196;247mv1\x1b[0m"); // tag
    const plain = String(await repo.ancestryGraph({ plain: true }));
    expect(plain).not.toContain("\x1b");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colours
    expect(colored.replace(/\x1b\[[0-9;]*m/g, "")).toBe(plain);
    // the same branch keeps its colour when drawn alone
    expect(String(await repo.ancestryGraph({ branch: "dev" }))).toContain(
      "\x1b[1m\x1b[38;2;166;83;255mdev\x1b[0m",
    );
  });

  it("long histories stop at 100 rows; messages are one printable line", async () => {
    const { repo } = await named();
    for (let i = 0; i < 102; i++) {
      const s = await repo.writableSession("main");
      await s.store.set(`n${i}/zarr.json`, group());
      await s.commit(i === 101 ? "\x1b[31mred\x1b[0m first line\nsecond line" : `c${i}`);
    }
    const lines = String(await repo.ancestryGraph({ plain: true })).split("\n");
    expect(lines.at(-2)).toBe("  ... (showing 100 of 103 snapshots)");
    expect(lines.filter((l) => l.startsWith("●"))).toHaveLength(100);
    expect(lines[0]).toMatch(/^● [0-9A-Z]{8} \(main\) \ufffd\[31mred\ufffd\[0m first line$/);
    expect(lines.join("\n")).not.toContain("second line");
  });

  it("refuses two versions at once; an empty graph says so", async () => {
    const { repo } = await named();
    await expect(repo.ancestryGraph({ branch: "main", tag: "v1" })).rejects.toSatisfy((e) =>
      isIcechunkError(e, "invalid-argument"),
    );
    const empty = new AncestryGraph([], new Map(), ["main"], true);
    expect(String(empty)).toBe("(empty history)\n");
    expect(XMLValidator.validate(empty.toSVG())).toBe(true);
  });
});

describe("SVG", () => {
  const info = (id: string, parentId: string | undefined, t: number, message: string) =>
    ({
      id,
      flushedAt: t,
      writtenAt: new Date(t / 1000),
      message,
      metadata: {},
      ...(parentId ? { parentId } : {}),
    }) as SnapshotInfo;

  it("is well-formed XML with one circle and text per row, a lane per run and a curve per join", async () => {
    const { repo, commit } = await named();
    const c1 = await commit("main", "c1");
    await commit("main", "c2");
    await repo.createBranch("feature", c1);
    await commit("feature", 'f1 <&> "quoted" \x07bell');
    await repo.createTag("v<1>", c1);
    const svg = (await repo.ancestryGraph()).toSVG();
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(svg);
    const root = doc.svg;
    expect(root.xmlns).toBe("http://www.w3.org/2000/svg");
    const list = <T>(x: T | T[] | undefined): T[] =>
      x === undefined ? [] : Array.isArray(x) ? x : [x];
    const circles = list(root.circle) as Array<{ cx: string; cy: string; fill: string }>;
    expect(circles).toHaveLength(4); // init, c1, c2, f1
    expect(list(root.text)).toHaveLength(4);
    expect(list(root.path)).toHaveLength(1); // feature joins c1
    expect(list(root.line).length).toBeGreaterThanOrEqual(2);
    // f1 is newest: first row, in feature's column (violet); the others in main's (lime)
    expect(circles.map((c) => [c.cx, c.fill])).toEqual([
      ["35", "#A653FF"],
      ["15", "#B7E400"],
      ["15", "#B7E400"],
      ["15", "#B7E400"],
    ]);
    expect(Number(root.height)).toBeGreaterThan(Number(circles.at(-1)!.cy));
    // every row names its snapshot (the viewer makes commits clickable with it)
    const ids = (await repo.ancestry({ branch: "main" })).map((s) => s.id);
    expect(
      circles.slice(1).map((c) => (c as { "data-snapshot-id"?: string })["data-snapshot-id"]),
    ).toEqual(ids);
    expect(
      list(root.text).map((t) => (t as { "data-snapshot-id"?: string })["data-snapshot-id"]),
    ).toEqual(
      list(root.circle).map((c) => (c as { "data-snapshot-id"?: string })["data-snapshot-id"]),
    );
    expect(svg).toContain("f1 &#60;&#38;&#62; &#34;quoted&#34; \ufffdbell");
    expect(svg).toContain("v&#60;1&#62;");
  });

  it("plain draws in grey; truncation adds a row of room", () => {
    const infos = Array.from({ length: 105 }, (_, i) =>
      info(
        `${String(i).padStart(3, "0")}AAAAAAAAAAAAAAAAA`,
        i ? `${String(i - 1).padStart(3, "0")}AAAAAAAAAAAAAAAAA` : undefined,
        1_000_000 + i,
        `m${i}`,
      ),
    ).reverse();
    const g = new AncestryGraph([["main", infos]], new Map(), ["main"], true);
    const svg = g.toSVG();
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toMatch(/#B7E400|#A653FF/);
    const root = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(svg).svg;
    expect(root.circle).toHaveLength(100);
    const last = root.text.at(-1);
    expect(last["#text"]).toBe("... (showing 100 of 105 snapshots)");
    expect(Number(last.y)).toBeLessThan(Number(root.height));
  });
});

describe("the reference repositories (native oracle)", () => {
  for (const name of readdirSync(REFERENCE_REPOS_DIR).sort())
    it(name, async () => {
      const { ours, theirs, cleanup } = await openFixturePair(name);
      cleanups.push(cleanup);
      const reachable = new Map<string, string>();
      const branches = await theirs.listBranches();
      for (const branch of branches)
        for (const s of await theirs.ancestry({ branch }))
          reachable.set(s.id.slice(0, 8), s.message);
      const graph = await ours.ancestryGraph({ plain: true });
      const rows = String(graph)
        .split("\n")
        .flatMap((l) => {
          const m = /^([ │●╯─]*)([0-9A-Z]{8})(?: \(([^)]*)\))? (.*)$/.exec(l);
          if (!m || !m[1]!.includes("●")) return [];
          return [{ id: m[2]!, labels: m[3]?.split(", ") ?? [], message: m[4]! }];
        });
      // one row per snapshot reachable from a branch (at most 100), each once, with its message
      expect(rows).toHaveLength(Math.min(reachable.size, 100));
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      for (const r of rows)
        expect(r.message).toBe(reachable.get(r.id)!.split("\n")[0]!.slice(0, 60));
      // every branch tip and every tag drawn shows its label
      const labels = rows.flatMap((r) => r.labels);
      const shown = new Set(rows.map((r) => r.id));
      for (const b of branches) expect(labels).toContain(b);
      for (const t of await theirs.listTags())
        if (shown.has((await theirs.lookupTag(t)).slice(0, 8))) expect(labels).toContain(t);
      const bundle = (graph as unknown as Record<symbol, () => Record<string, string>>)[
        Symbol.for("Jupyter.display")
      ]!();
      expect(XMLValidator.validate(bundle["image/svg+xml"]!)).toBe(true);
      expect(bundle["text/plain"]).toBe(String(graph));
    });
});
