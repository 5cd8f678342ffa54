/**
 * @module test/support/zarr-json
 * Small Zarr v3 documents and chunks for session tests: a group, a uint8 array in 2×2 chunks and a
 * 1-D one in single-element chunks (default `/` key encoding), and filled chunks (inline below
 * 512 bytes, native above).
 */

export const enc = (s: string) => new TextEncoder().encode(s);

export const group = (attrs: object = {}) =>
  enc(JSON.stringify({ zarr_format: 3, node_type: "group", attributes: attrs }));

/** A uint8 array of `shape` in chunks of `chunkShape` (default 2×2). */
export const array = (shape: number[], attrs: object = {}, chunkShape: number[] = [2, 2]) =>
  enc(
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape,
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: chunkShape } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
      attributes: attrs,
    }),
  );

/** A 1-D uint8 array of `n` elements in chunks of `size` elements (default 1: one ref per element). */
export const vector = (n: number, size = 1) =>
  enc(
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: [n],
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [size] } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
      attributes: {},
    }),
  );

/** `n` bytes of value `v`. */
export const chunk = (v: number, n = 4) => new Uint8Array(n).fill(v);
