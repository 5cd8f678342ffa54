/**
 * @module session/reindex
 * Moving chunk references inside an array without copying data (upstream `reindex_array` /
 * `shift_array`, design-doc 018): the payload reference (native chunk id, virtual ref or inline
 * bytes) is re-attached at new coordinates; vacated positions become absent (fill value). This is
 * how a rolling window — the last N days of a forecast — moves forward one step per commit.
 */
import { InvalidChunkIndexError, NodeNotFoundError, UnsupportedChunkGridError } from "../errors.js";
import type { ChunkPayload } from "../format/manifest.js";
import { coordKey } from "./change-set.js";
import { chunkCoordinates, getChunkRef, getNode, isValidCoord } from "./read.js";
import type { WriteContext } from "./write.js";

/** Maps a chunk coordinate to its new place, or undefined to leave it where it is. */
export type CoordMap = (coords: readonly number[]) => number[] | undefined;

function requireRegularArray(ctx: WriteContext, path: string) {
  const node = getNode(ctx, path);
  if (node?.kind !== "array") throw new NodeNotFoundError(path, "reindexing needs an array");
  let grid: unknown;
  try {
    grid = JSON.parse(new TextDecoder().decode(node.userData))?.chunk_grid?.name;
  } catch {
    grid = undefined;
  }
  if (grid !== "regular") throw new UnsupportedChunkGridError(path);
  return node;
}

/**
 * Re-attaches every existing chunk at `forward(coords)`. With `backward`, a visited position that
 * receives no chunk is cleared unless `backward(position)` names a position that had a chunk.
 * `dropOutside`: a destination outside the grid discards the chunk instead of failing.
 */
export async function reindexArray(
  ctx: WriteContext,
  path: string,
  forward: CoordMap,
  backward: CoordMap | undefined,
  options: { dropOutside?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const node = requireRegularArray(ctx, path);
  const coords = await chunkCoordinates(ctx, node, options.signal);
  const payloads = new Map<string, ChunkPayload>();
  for (const c of coords) {
    // moved refs keep their compressed locations: the new manifest copies them
    const p = await getChunkRef(ctx, node, c, options.signal, true);
    if (p) payloads.set(coordKey(c), p);
  }
  const destinations = new Map<string, { coords: number[]; payload: ChunkPayload }>();
  for (const c of coords) {
    const to = forward(c);
    if (to === undefined) continue;
    if (!isValidCoord(node.shape, to)) {
      if (options.dropOutside) continue;
      throw new InvalidChunkIndexError(
        path,
        to,
        "reindexing moved a chunk outside the grid; resize the array first",
      );
    }
    destinations.set(coordKey(to), { coords: to, payload: payloads.get(coordKey(c))! });
  }
  const clears: number[][] = [];
  if (backward)
    for (const c of coords) {
      if (destinations.has(coordKey(c))) continue;
      const from = backward(c);
      if (from === undefined || !payloads.has(coordKey(from))) clears.push(c);
    }
  for (const c of clears) ctx.changes.setChunk(node.id, c, null);
  for (const { coords: to, payload } of destinations.values())
    ctx.changes.setChunk(node.id, to, payload);
}

/** Shifts every chunk by `offset` chunks per dimension; chunks pushed out of the grid are dropped, vacated ones cleared. */
export function shiftArray(
  ctx: WriteContext,
  path: string,
  offset: readonly number[],
  signal?: AbortSignal,
): Promise<void> {
  const node = requireRegularArray(ctx, path);
  if (offset.length !== node.shape.length)
    throw new InvalidChunkIndexError(
      path,
      offset,
      `the offset needs ${node.shape.length} dimensions`,
    );
  return reindexArray(
    ctx,
    path,
    (c) => c.map((x, i) => x + offset[i]!),
    (c) => {
      const from = c.map((x, i) => x - offset[i]!);
      return from.every((x) => x >= 0) ? from : undefined;
    },
    { dropOutside: true, ...(signal ? { signal } : {}) },
  );
}
