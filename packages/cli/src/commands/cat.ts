/**
 * @module commands/cat
 * `cat <array> [--slice 0,:,10:20]`: an array's values read through zarrita, as a table, CSV
 * (one line per element: its indices, then the value) or JSON (nested arrays).
 */
import { NodeNotFoundError } from "@icechunk-ts/core";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import * as zarr from "zarrita";
import { type CommandContext, jsonReplacer, nodePath, type VersionFlags } from "../context.js";
import { CliUsageError } from "../exit-codes.js";
import { csvField, table } from "../format.js";
import { sessionFor, zarrJson } from "./nodes.js";

type Selection = (number | zarr.Slice | null)[];

const INT = /^-?\d+$/;

/** Parses `0,:,10:20,::2` against an array of `ndim` dimensions (missing ones: whole). */
export function parseSlice(text: string | undefined, shape: readonly number[]): Selection {
  const parts = text === undefined || text.trim() === "" ? [] : text.split(",");
  if (parts.length > shape.length)
    throw new CliUsageError(
      `--slice '${text}' has ${parts.length} parts but the array has ${shape.length} dimensions`,
    );
  const sel: Selection = parts.map((raw, dim) => {
    const p = raw.trim();
    const len = shape[dim]!;
    if (INT.test(p)) {
      const i = Number(p);
      const idx = i < 0 ? len + i : i;
      if (idx < 0 || idx >= len)
        throw new CliUsageError(
          `--slice index ${i} is out of range for dimension ${dim} of length ${len}`,
        );
      return idx;
    }
    const bounds = p.split(":");
    if (bounds.length < 2 || bounds.length > 3 || bounds.some((b) => b !== "" && !INT.test(b)))
      throw new CliUsageError(
        `--slice part '${p}' is not an index or start:stop[:step] (e.g. 0,:,10:20)`,
      );
    const [start, stop, step] = bounds.map((b) => (b === "" ? null : Number(b)));
    if (step === 0) throw new CliUsageError("--slice step cannot be 0");
    if (step !== null && step !== undefined && step < 0)
      throw new CliUsageError("--slice steps must be positive");
    return start === null && stop === null && (step ?? null) === null
      ? null
      : zarr.slice(start ?? null, stop ?? null, step ?? null);
  });
  while (sel.length < shape.length) sel.push(null);
  return sel;
}

interface Chunk {
  data: ArrayLike<unknown> & { get?(i: number): unknown };
  shape: number[];
  stride: number[];
}

function valueAt(c: Chunk, index: readonly number[]): unknown {
  let offset = 0;
  index.forEach((v, k) => {
    offset += v * c.stride[k]!;
  });
  return typeof c.data.get === "function" ? c.data.get(offset) : c.data[offset];
}

/** Every index of `shape` in C order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((d) => d === 0)) return;
  const idx = shape.map(() => 0);
  for (;;) {
    yield [...idx];
    let k = shape.length - 1;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < shape[k]!) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** The values as nested arrays (a scalar for a 0-d result). */
export function nested(c: Chunk): unknown {
  const build = (prefix: number[]): unknown =>
    prefix.length === c.shape.length
      ? valueAt(c, prefix)
      : Array.from({ length: c.shape[prefix.length]! }, (_, i) => build([...prefix, i]));
  return build([]);
}

const text = (v: unknown) =>
  typeof v === "string" ? v : (JSON.stringify(v, jsonReplacer) ?? String(v));

/** `cat <array>`. */
export async function cat(
  ctx: CommandContext,
  path: string,
  flags: VersionFlags & { slice?: string; csv?: boolean },
) {
  const session = await sessionFor(ctx, flags);
  const p = nodePath(path);
  const node = session.getNode(p);
  if (node?.kind !== "array")
    throw new NodeNotFoundError(p, node ? "it is a group; cat reads arrays" : "no such array");
  const arr = await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve(p), {
    kind: "array",
  });
  const sel = parseSlice(flags.slice, arr.shape);
  const got = (await zarr.get(arr, sel, ctx.call)) as unknown as Chunk | number | bigint | boolean;
  const chunk: Chunk =
    typeof got === "object" && got !== null && "shape" in got
      ? got
      : { data: [got], shape: [], stride: [] };
  const dimNames = (zarrJson(node).dimension_names as (string | null)[] | undefined) ?? [];
  // dimensions an integer index dropped are not in the result
  const kept = sel.flatMap((s, d) => (typeof s === "number" ? [] : [d]));
  const headers = kept.map((d) => dimNames[d] ?? `dim_${d}`);
  if (ctx.json) {
    ctx.emit({ path: p, shape: chunk.shape, dataType: arr.dtype, data: nested(chunk) }, () => "");
    return;
  }
  if (flags.csv) {
    const lines = [[...headers, "value"].map(csvField).join(",")];
    for (const idx of indices(chunk.shape))
      lines.push([...idx.map(String), text(valueAt(chunk, idx))].map(csvField).join(","));
    ctx.io.stdout(`${lines.join("\n")}\n`);
    return;
  }
  if (chunk.shape.length === 2) {
    const [rows, cols] = chunk.shape as [number, number];
    const body = Array.from({ length: rows }, (_, i) => [
      String(i),
      ...Array.from({ length: cols }, (_, j) => text(valueAt(chunk, [i, j]))),
    ]);
    ctx.emit(undefined, () =>
      table(["", ...Array.from({ length: cols }, (_, j) => String(j))], body),
    );
    return;
  }
  const rows = [...indices(chunk.shape)].map((idx) => [
    ...idx.map(String),
    text(valueAt(chunk, idx)),
  ]);
  ctx.emit(undefined, () => table([...headers, "value"], rows));
}
