/**
 * @module bench/tools/zstd-decode-speed
 * Decoder throughput (`node --import tsx bench/tools/zstd-decode-speed.ts <file>... [--reps=N]`):
 * decompresses the zstd payload of each Icechunk object file (after its 39-byte header) or each
 * plain `.zst` file N times and prints the best and median time (MB/s of output).
 */
import { readFileSync } from "node:fs";
import { zstdDecompress } from "../../packages/core/src/format/zstd/index.js";

const args = process.argv.slice(2);
const reps = Number(args.find((a) => a.startsWith("--reps="))?.slice(7) ?? 50);
for (const file of args.filter((a) => !a.startsWith("--"))) {
  const raw = readFileSync(file);
  const src = new Uint8Array(raw.buffer, raw.byteOffset, raw.length).subarray(
    raw[0] === 0x28 && raw[1] === 0xb5 ? 0 : 39,
  );
  let size = 0;
  for (let i = 0; i < 3; i++) size = zstdDecompress(src).length;
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    zstdDecompress(src);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const [best, med] = [times[0]!, times[times.length >> 1]!];
  const rate = (ms: number) => (size / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `${file}: ${(src.length / 1e6).toFixed(2)} MB → ${(size / 1e6).toFixed(2)} MB; best ${best.toFixed(2)} ms (${rate(best)} MB/s), median ${med.toFixed(2)} ms (${rate(med)} MB/s)`,
  );
}
