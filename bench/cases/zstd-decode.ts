/**
 * @module bench/cases/zstd-decode
 * Case 7: decoding zstd frames made by libzstd (what every Rust-written Icechunk file is): our
 * decoder vs `fzstd` vs Node's built-in zstd (when this Node has it), same frames, one process,
 * contenders interleaved per repetition. Frames: manifest and snapshot payloads compressed by the
 * `zstd` CLI at -3 (with and without checksum and content size, as Rust's streaming writer),
 * -19, and -3 with a 128 MiB window; plus the reference repositories' own files.
 * Run alone: `tsx bench/cases/zstd-decode.ts [--reps=N]`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { decompress as fzstdDecompress } from "fzstd";
import { HEADER_LENGTH } from "../../packages/core/src/format/constants.js";
import { newChunkId, newManifestId, newNodeId } from "../../packages/core/src/format/ids.js";
import { encodeManifest } from "../../packages/core/src/format/manifest.js";
import { zstdDecompress } from "../../packages/core/src/format/zstd/decompress.js";
import type { CaseResult, Measurement, TargetCheck } from "../lib/measure.js";
import { median } from "../lib/measure.js";

interface Frame {
  readonly name: string;
  readonly frame: Uint8Array;
  readonly size: number;
}

const cli = (input: Uint8Array, args: string[]) =>
  new Uint8Array(execFileSync("zstd", ["-q", "-c", ...args], { input, maxBuffer: 1 << 30 }));

/** A manifest flatbuffer with `n` native and `n` plain virtual refs (what Rust's encoder lays out). */
function manifestPayload(n: number): Uint8Array {
  let x = 7;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  const native: Array<
    [
      number[],
      { kind: "native"; chunkId: ReturnType<typeof newChunkId>; offset: number; length: number },
    ]
  > = [];
  const virtual: Array<
    [number[], { kind: "virtual"; location: string; offset: number; length: number }]
  > = [];
  for (let i = 0; i < n; i++) {
    native.push([
      [i >> 9, i & 511],
      { kind: "native", chunkId: newChunkId(), offset: 0, length: 4000 + (rnd() % 97) },
    ]);
    virtual.push([
      [i >> 9, i & 511],
      {
        kind: "virtual",
        location: `s3://bench-bucket/archive/2025/file-${String(i >> 8).padStart(4, "0")}.nc`,
        offset: (i & 255) * 65536,
        length: 65536,
      },
    ]);
  }
  return encodeManifest(
    {
      id: newManifestId(),
      arrays: [
        { nodeId: newNodeId(), refs: native },
        { nodeId: newNodeId(), refs: virtual },
      ],
    },
    2,
  );
}

const FIXTURES = join(
  fileURLToPath(import.meta.url),
  "../../../../shared/fixtures/reference-repos",
);

/** The biggest files the reference repositories hold per kind, frames as Rust wrote them. */
function fixtureFrames(): Frame[] {
  const best = new Map<string, Uint8Array>();
  let repos: string[] = [];
  try {
    repos = readdirSync(FIXTURES);
  } catch {
    return [];
  }
  for (const repo of repos) {
    for (const kind of ["manifests", "snapshots", "transactions"]) {
      let files: string[] = [];
      try {
        files = readdirSync(join(FIXTURES, repo, kind));
      } catch {
        continue;
      }
      for (const f of files) {
        const bytes = new Uint8Array(readFileSync(join(FIXTURES, repo, kind, f)));
        if ((best.get(kind)?.length ?? 0) < bytes.length) best.set(kind, bytes);
      }
    }
  }
  return [...best].map(([kind, bytes]) => {
    const frame = bytes.subarray(HEADER_LENGTH);
    return { name: `reference repo ${kind} (Rust)`, frame, size: zstdDecompress(frame).length };
  });
}

export function libzstdFrames(refs = 100_000): Frame[] {
  const m = manifestPayload(refs);
  const frames: Frame[] = [
    {
      name: "manifest -3, no content size or checksum (as Rust writes)",
      frame: cli(m, ["-3", "--no-content-size", "--no-check"]),
      size: m.length,
    },
    { name: "manifest -3, checksum", frame: cli(m, ["-3", "--check"]), size: m.length },
    {
      name: "manifest -3, content size, no checksum",
      frame: cli(m, ["-3", "--no-check"]),
      size: m.length,
    },
    { name: "manifest -19, checksum", frame: cli(m, ["-19"]), size: m.length },
    {
      name: "manifest -3 --long=27 (large window), checksum",
      frame: cli(m, ["-3", "--long=27"]),
      size: m.length,
    },
  ];
  return [...frames, ...fixtureFrames()];
}

type Decoder = (frame: Uint8Array, size: number) => Uint8Array;

export function decoders(): Array<[string, Decoder]> {
  const out: Array<[string, Decoder]> = [
    ["icechunk-ts", (f) => zstdDecompress(f)],
    ["fzstd", (f) => fzstdDecompress(f)],
  ];
  const z = zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array };
  const native = z.zstdDecompressSync;
  if (typeof native === "function") out.push(["node:zlib (libzstd)", (f) => native(f)]);
  return out;
}

/** Runs case 7. */
export async function zstdDecodeCase(options: { reps: number }): Promise<CaseResult> {
  const frames = libzstdFrames();
  const decs = decoders();
  const rows: Measurement[] = [];
  const targets: TargetCheck[] = [];
  for (const fr of frames) {
    // check every decoder agrees before timing
    const expect = decs[0]![1](fr.frame, fr.size);
    for (const [name, d] of decs) {
      const got = d(fr.frame, fr.size);
      if (got.length !== expect.length || Buffer.compare(got, expect) !== 0)
        throw new Error(`${name} decodes ${fr.name} differently`);
    }
    const inner = Math.max(1, Math.round(4e6 / fr.size));
    const samples = decs.map(() => [] as number[]);
    for (let r = 0; r < Math.max(5, options.reps * 3); r++) {
      decs.forEach(([, d], k) => {
        const t0 = performance.now();
        for (let i = 0; i < inner; i++) d(fr.frame, fr.size);
        samples[k]!.push((performance.now() - t0) / inner);
      });
    }
    const meds = samples.map(median);
    decs.forEach(([name], k) => {
      rows.push({
        name: `${fr.name}: ${name}`,
        medianMs: meds[k]!,
        samplesMs: samples[k]!,
        extra: {
          "MB/s": ((fr.size / meds[k]! / 1e3) | 0).toString(),
          "vs ours": `${(meds[0]! / meds[k]!).toFixed(2)}×`,
          frame: `${(fr.frame.length / 1024).toFixed(0)} KB → ${(fr.size / 1024).toFixed(0)} KB`,
        },
      });
    });
    targets.push({
      target: `${fr.name}: ours at least as fast as fzstd`,
      met: meds[0]! <= meds[1]!,
      detail: `ours ${meds[0]!.toFixed(2)} ms, fzstd ${meds[1]!.toFixed(2)} ms (${(meds[1]! / meds[0]!).toFixed(2)}×)`,
    });
  }
  return {
    id: "7",
    title: "Decoding libzstd frames",
    setup:
      "Frames made by libzstd (the `zstd` CLI, as Rust writes every Icechunk file) from a manifest flatbuffer of 100,000 native + 100,000 virtual refs, and the largest manifest / snapshot / transaction log of the reference repositories; each decoder decodes the same frame, interleaved per repetition, in one process. 'vs ours' > 1 means faster than ours.",
    rows,
    baseline: rows[0]?.name ?? "",
    targets,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reps = Number(process.argv.find((a) => a.startsWith("--reps="))?.slice(7) ?? 3);
  const result = await zstdDecodeCase({ reps });
  for (const r of result.rows)
    console.log(
      `${r.name.padEnd(70)} ${r.medianMs?.toFixed(2).padStart(8)} ms ${JSON.stringify(r.extra)}`,
    );
  for (const t of result.targets)
    console.log(`[${t.met ? "met" : "MISSED"}] ${t.target}: ${t.detail}`);
}
