/**
 * @module bench/tools/zstd-speed
 * Encoder throughput on a manifest payload (`node --import tsx bench/tools/zstd-speed.ts [refs]`):
 * encodes a manifest of N native refs, compresses it at levels 1 and 3, checks the round trip.
 */

import { newChunkId, newManifestId, newNodeId } from "../../packages/core/src/format/ids.js";
import { encodeManifest } from "../../packages/core/src/format/manifest.js";
import { zstdCompress, zstdDecompress } from "../../packages/core/src/format/zstd/index.js";

const n = Number(process.argv[2] ?? 100_000);
const side = Math.ceil(Math.sqrt(n));
const refs: Array<
  [
    number[],
    { kind: "native"; chunkId: ReturnType<typeof newChunkId>; offset: number; length: number },
  ]
> = [];
for (let i = 0; i < n; i++)
  refs.push([
    [Math.floor(i / side), i % side],
    { kind: "native", chunkId: newChunkId(), offset: 0, length: 4096 },
  ]);
let t0 = performance.now();
const payload = encodeManifest({ id: newManifestId(), arrays: [{ nodeId: newNodeId(), refs }] }, 2);
console.log(
  `encode ${n} refs: ${(performance.now() - t0).toFixed(0)} ms, ${(payload.length / 1e6).toFixed(1)} MB`,
);
for (const level of [1, 3]) {
  t0 = performance.now();
  const z = zstdCompress(payload, { level });
  const ms = performance.now() - t0;
  const back = zstdDecompress(z);
  const ok = back.length === payload.length && back.every((b, i) => b === payload[i]);
  console.log(
    `level ${level}: ${ms.toFixed(0)} ms, ${(payload.length / 1e6 / (ms / 1000)).toFixed(1)} MB/s, ratio ${(payload.length / z.length).toFixed(2)}, roundtrip ${ok}`,
  );
}
