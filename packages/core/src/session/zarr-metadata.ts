/**
 * @module session/zarr-metadata
 * The few fields Icechunk reads out of a `zarr.json` on write (upstream `store.rs` ArrayMetadata):
 * `node_type`, and for arrays `shape`, `chunk_grid` (regular, or rectilinear on spec 2) and
 * `dimension_names`. Everything else is stored verbatim and never interpreted.
 */
import { InvalidZarrMetadataError } from "../errors.js";
import type { DimensionShape } from "../format/snapshot.js";

export type ParsedZarrMetadata =
  | { nodeType: "group" }
  | {
      nodeType: "array";
      shape: DimensionShape[];
      dimensionNames?: (string | null)[];
      regularChunkShape?: number[];
    };

function isUint(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

/** Parses zarr.json bytes. @throws {InvalidZarrMetadataError} */
export function parseZarrMetadata(
  key: string,
  bytes: Uint8Array,
  specVersion: 1 | 2,
): ParsedZarrMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidZarrMetadataError(key, `not valid UTF-8 JSON (${(cause as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new InvalidZarrMetadataError(key, "expected a JSON object");
  const d = doc as Record<string, unknown>;
  if (d.node_type === "group") return { nodeType: "group" };
  if (d.node_type !== "array")
    throw new InvalidZarrMetadataError(
      key,
      `node_type must be "array" or "group", found ${JSON.stringify(d.node_type)}`,
    );
  const shape = d.shape;
  if (!Array.isArray(shape) || !shape.every(isUint))
    throw new InvalidZarrMetadataError(key, "shape must be an array of non-negative integers");
  const grid = d.chunk_grid as
    | { name?: unknown; configuration?: Record<string, unknown> }
    | undefined;
  if (!grid || typeof grid !== "object")
    throw new InvalidZarrMetadataError(key, "chunk_grid is missing");
  let numChunks: number[];
  let regularChunkShape: number[] | undefined;
  if (grid.name === "regular") {
    const cs = grid.configuration?.chunk_shape;
    if (!Array.isArray(cs) || !cs.every(isUint) || cs.length !== shape.length)
      throw new InvalidZarrMetadataError(
        key,
        "chunk_grid.configuration.chunk_shape must hold one non-negative integer per dimension",
      );
    regularChunkShape = cs as number[];
    numChunks = shape.map((len, i) => {
      const c = cs[i] as number;
      return c === 0 ? 0 : Math.ceil(len / c);
    });
  } else if (grid.name === "rectilinear") {
    if (specVersion < 2)
      throw new InvalidZarrMetadataError(
        key,
        "rectilinear chunk grids need an Icechunk spec 2 repository",
      );
    const shapes = grid.configuration?.chunk_shapes;
    if (!Array.isArray(shapes) || shapes.length !== shape.length)
      throw new InvalidZarrMetadataError(
        key,
        "chunk_grid.configuration.chunk_shapes must hold one entry per dimension",
      );
    numChunks = shapes.map((dim) => {
      if (isUint(dim)) return 1; // unreachable for valid metadata but harmless: one chunk
      if (!Array.isArray(dim))
        throw new InvalidZarrMetadataError(key, "each chunk_shapes entry must be a list");
      let n = 0;
      for (const item of dim) {
        if (isUint(item)) n += 1;
        else if (Array.isArray(item) && item.length === 2 && isUint(item[0]) && isUint(item[1]))
          n += item[1];
        else
          throw new InvalidZarrMetadataError(
            key,
            "chunk_shapes items must be sizes or [size, count] pairs",
          );
      }
      return n;
    });
  } else {
    throw new InvalidZarrMetadataError(
      key,
      `unsupported chunk grid ${JSON.stringify(grid.name)} (regular or rectilinear)`,
    );
  }
  for (const n of numChunks)
    if (n > 0xffffffff)
      throw new InvalidZarrMetadataError(key, "more than 2^32 chunks along one dimension");
  const out: ParsedZarrMetadata = {
    nodeType: "array",
    shape: shape.map((len, i) => ({ arrayLength: len as number, numChunks: numChunks[i]! })),
    ...(regularChunkShape ? { regularChunkShape } : {}),
  };
  if (Array.isArray(d.dimension_names)) {
    if (d.dimension_names.length !== shape.length)
      throw new InvalidZarrMetadataError(key, "dimension_names must have one entry per dimension");
    out.dimensionNames = d.dimension_names.map((n) =>
      typeof n === "string" && n !== "" ? n : null,
    );
  }
  return out;
}
