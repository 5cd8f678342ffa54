/**
 * @module viewer/main
 * The page: opens the repository named by `?repo=<url>` over HTTP (read-only, lazily: only what is
 * shown is fetched) at `&branch=`, `&tag=` or `&snapshot=` (default: branch main), lists branches,
 * tags and nodes, draws the ancestry graph (click a commit to open it) and a 2-D slice of
 * `&array=<path>` (default: the first array) with a viridis colormap, a min/max legend and one
 * slider per other dimension. Every failure is shown in the page.
 */
import {
  httpStorage,
  type Node as IcechunkNode,
  Repository,
  type Session,
  type VersionSpec,
} from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { colorOf, viridis } from "./colormap.js";
import { drawable, finiteRange, planSlice, toNumbers } from "./slice.js";
import { registerZstdCodec } from "./zstd-codec.js";

registerZstdCodec();

/** Network retries for an interactive page: give up (and say why) within a few seconds. */
const RETRIES = { maxAttempts: 3, initialBackoffMs: 200 };
/** The drawn slice's on-screen size (CSS px) of its longer side, at most. */
const DISPLAY_SIDE = 512;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

function setStatus(state: "loading" | "drawing" | "ready" | "error", text = ""): void {
  const s = $("status");
  s.dataset.state = state;
  s.textContent = text;
}

/** Shows an error in the page (the library's messages say what to do). */
function showError(e: unknown): void {
  const box = $("error");
  const err = e as { name?: string; kind?: string; message?: string };
  // IcechunkErrors name their kind (class names do not survive minification)
  box.textContent = `${err.kind ? `[${err.kind}]` : (err.name ?? "Error")}: ${err.message ?? String(e)}`;
  box.hidden = false;
  setStatus("error", "failed");
  console.error(e);
}

/** The page's own URL with some parameters changed (undefined removes one). */
function linkTo(change: Record<string, string | undefined>): string {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(change))
    if (v === undefined) params.delete(k);
    else params.set(k, v);
  return `?${params}`;
}

const VERSION_KEYS = { branch: undefined, tag: undefined, snapshot: undefined };

function versionFrom(params: URLSearchParams): VersionSpec & { label: string } {
  const snapshot = params.get("snapshot");
  if (snapshot) return { snapshotId: snapshot, label: `snapshot ${snapshot}` };
  const tag = params.get("tag");
  if (tag) return { tag, label: `tag ${tag}` };
  const branch = params.get("branch") ?? "main";
  return { branch, label: `branch ${branch}` };
}

function refList(
  id: string,
  names: readonly string[],
  key: "branch" | "tag",
  current?: string,
): void {
  const list = $(id);
  list.replaceChildren(
    ...(names.length === 0
      ? [el("li", { className: "kind", textContent: "(none)" })]
      : names.map((name) =>
          el("li", {}, [
            el("a", {
              href: linkTo({ ...VERSION_KEYS, [key]: name }),
              textContent: name,
              className: name === current ? "current" : "",
            }),
          ]),
        )),
  );
  list.dataset.names = JSON.stringify(names);
}

function nodeTree(nodes: readonly IcechunkNode[], current?: string): void {
  $("nodes").replaceChildren(
    ...nodes.map((n) => {
      const depth = n.path === "/" ? 0 : n.path.split("/").length - 1;
      const name = n.path === "/" ? "/" : n.path.slice(n.path.lastIndexOf("/") + 1);
      const item = el("li");
      item.style.paddingLeft = `${depth}rem`;
      item.dataset.path = n.path;
      if (n.kind === "array") {
        const shape = n.shape.map((d) => d.arrayLength).join("×");
        item.append(
          el("a", {
            href: linkTo({ array: n.path }),
            textContent: name,
            className: n.path === current ? "current" : "",
          }),
          " ",
          el("span", { className: "kind", textContent: `array [${shape}]` }),
        );
      } else item.append(name, " ", el("span", { className: "kind", textContent: "group" }));
      return item;
    }),
  );
}

async function drawGraph(repo: Repository, params: URLSearchParams): Promise<void> {
  const graph = await repo.ancestryGraph();
  const box = $("graph");
  box.innerHTML = graph.toSVG(); // the library escapes every name and message
  box.onclick = (ev) => {
    const row = (ev.target as Element).closest("[data-snapshot-id]");
    const id = row?.getAttribute("data-snapshot-id");
    if (id) location.search = linkTo({ ...VERSION_KEYS, snapshot: id });
  };
  const shown = params.get("snapshot");
  for (const e of box.querySelectorAll("circle[data-snapshot-id]"))
    if (e.getAttribute("data-snapshot-id") === shown) e.setAttribute("stroke", "#fff");
}

/** A legend number: integers in full, others to 6 significant digits. */
const label = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

function drawLegend(min: number, max: number): void {
  const bar = $<HTMLCanvasElement>("legend-bar");
  const ctx = bar.getContext("2d")!;
  const img = ctx.createImageData(bar.width, 1);
  for (let x = 0; x < bar.width; x++) img.data.set([...viridis(x / (bar.width - 1)), 255], x * 4);
  ctx.putImageData(img, 0, 0);
  $("legend-min").textContent = Number.isNaN(min) ? "no data" : label(min);
  $("legend-max").textContent = Number.isNaN(max) ? "" : label(max);
}

/** Reads the slice at `fixed` (only its chunks) and draws it. */
async function drawSlice(
  arr: zarr.Array<zarr.DataType, IcechunkStore>,
  fixed: number[],
  signal: AbortSignal,
): Promise<void> {
  const plan = planSlice(arr.shape, fixed);
  setStatus("drawing", "reading the slice…");
  const chunk = await zarr.get(arr, plan.selection, { signal });
  if (signal.aborted) return;
  const values = toNumbers(chunk.data);
  const { min, max } = finiteRange(values);
  const canvas = $<HTMLCanvasElement>("slice");
  canvas.width = plan.cols;
  canvas.height = plan.rows;
  const scale = Math.max(1, Math.floor(DISPLAY_SIDE / Math.max(plan.rows, plan.cols)));
  canvas.style.width = `${plan.cols * scale}px`;
  canvas.style.height = `${plan.rows * scale}px`;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(plan.cols, plan.rows);
  for (let i = 0; i < values.length; i++) img.data.set(colorOf(values[i]!, min, max), i * 4);
  ctx.putImageData(img, 0, 0);
  Object.assign(canvas.dataset, {
    min: String(min),
    max: String(max),
    step: plan.step.join(","),
    fixed: fixed.join(","),
  });
  drawLegend(min, max);
  const stepped = plan.step.some((s) => s > 1);
  $("slice-note").textContent =
    `${plan.rows}×${plan.cols} values` +
    (stepped ? ` (every ${plan.step[0]}th row, ${plan.step[1]}th column)` : "");
  setStatus("ready", "");
}

async function showArray(session: Session, path: string): Promise<void> {
  const store = new IcechunkStore(session);
  const arr = await zarr.open.v3(zarr.root(store).resolve(path), { kind: "array" });
  $("array").hidden = false;
  $("array-title").textContent = path;
  const raw = await store.get(`${path === "/" ? "" : path}/zarr.json` as `/${string}`);
  const meta = raw ? (JSON.parse(new TextDecoder().decode(raw)) as Record<string, unknown>) : {};
  const { attributes, ...rest } = meta;
  $("metadata").textContent = JSON.stringify(rest, null, 2);
  $("attributes").textContent = JSON.stringify(attributes ?? {}, null, 2);
  if (!drawable(arr.dtype)) {
    $("slice-note").textContent = `arrays of ${arr.dtype} are not drawn`;
    setStatus("ready", "");
    return;
  }
  const names = (meta.dimension_names as Array<string | null> | undefined) ?? [];
  const lead = Math.max(arr.shape.length - 2, 0);
  const fixed = new Array<number>(lead).fill(0);
  let controller = new AbortController();
  const redraw = () => {
    controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    drawSlice(arr, [...fixed], signal).catch((e) => {
      if (!signal.aborted) showError(e);
    });
  };
  $("sliders").replaceChildren(
    ...fixed.map((_, d) => {
      const input = el("input", { type: "range", min: "0", max: String(arr.shape[d]! - 1) });
      input.value = "0";
      input.dataset.dim = String(d);
      const value = el("span", { textContent: `0 / ${arr.shape[d]! - 1}` });
      input.oninput = () => {
        fixed[d] = Number(input.value);
        value.textContent = `${input.value} / ${arr.shape[d]! - 1}`;
        redraw();
      };
      return el("label", {}, [names[d] ?? `dim ${d}`, input, value]);
    }),
  );
  controller.abort();
  controller = new AbortController();
  await drawSlice(arr, fixed, controller.signal);
}

async function run(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const repoParam = params.get("repo");
  if (!repoParam) {
    setStatus("ready", "Enter the URL of an Icechunk repository.");
    return;
  }
  const url = new URL(repoParam, location.href).href;
  $<HTMLInputElement>("repo-url").value = url;
  const version = versionFrom(params);
  setStatus("loading", `opening ${url}…`);
  const repo = await Repository.open(httpStorage(url, { retries: RETRIES }));
  const session = await repo.readonlySession(version);
  $("version").textContent =
    "snapshotId" in version ? version.label : `${version.label} · snapshot ${session.snapshotId}`;
  const [branches, tags] = await Promise.all([repo.listBranches(), repo.listTags()]);
  refList("branches", branches, "branch", "branch" in version ? version.branch : undefined);
  refList("tags", tags, "tag", "tag" in version ? version.tag : undefined);
  const nodes = session.listNodes("/");
  const arrayPath = params.get("array") ?? nodes.find((n) => n.kind === "array")?.path;
  nodeTree(nodes, arrayPath);
  $("content").hidden = false;
  await drawGraph(repo, params);
  if (arrayPath) await showArray(session, arrayPath);
  else setStatus("ready", "no arrays in this snapshot");
}

$("open").addEventListener("submit", (ev) => {
  ev.preventDefault();
  location.search = `?${new URLSearchParams({ repo: $<HTMLInputElement>("repo-url").value })}`;
});
window.addEventListener("unhandledrejection", (ev) => showError(ev.reason));
run().catch(showError);
