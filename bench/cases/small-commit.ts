/**
 * @module bench/cases/small-commit
 * Case 9: how a small commit's cost grows with the array. An array of N chunk refs (native, or
 * virtual with dictionary-compressed locations), with and without manifest splitting (10 splits):
 * change one chunk and commit; and `shiftArray` by one chunk + commit (ours only: the official
 * build has no shift). N = 10^4 and 10^5 (10^6 with `--huge`). Ours and the official native build
 * alternate on the same repository (each commits on the other's last commit), so the ratio holds
 * on a loaded machine.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { newChunkId } from "../../packages/core/src/format/ids.js";
import type { RepositoryConfig } from "../../packages/core/src/repo-core/config.js";
import { nativeOrReason, type Oracle } from "../lib/anchors.js";
import { tempDir } from "../lib/data.js";
import {
  type CaseResult,
  fmtMs,
  log,
  type Measurement,
  median,
  timeInterleaved,
} from "../lib/measure.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const GROUP = enc({ zarr_format: 3, node_type: "group", attributes: {} });
const array = (n: number) =>
  enc({
    zarr_format: 3,
    node_type: "array",
    shape: [n * 4],
    data_type: "uint8",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes" }],
    attributes: {},
  });
const location = (i: number) =>
  `s3://bench-bucket/archive/2025/file-${String(i % 1000).padStart(4, "0")}.nc`;

export type Kind = "native" | "virtual";

export async function build(dir: string, n: number, kind: Kind, split: boolean): Promise<void> {
  const config: RepositoryConfig = split
    ? {
        manifest: {
          splitting: {
            split_sizes: [
              [{ path_matches: { regex: ".*" } }, [{ condition: "Any", num_chunks: n / 10 }]],
            ],
          },
        },
      }
    : {};
  const repo = await Repository.create(localFilesystemStorage(dir), { config });
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", GROUP);
  await s.store.set("a/zarr.json", array(n));
  for (let i = 0; i < n; i++)
    s.setChunkRef(
      "/a",
      [i],
      kind === "native"
        ? { kind, chunkId: newChunkId(), offset: 0, length: 4 }
        : { kind, location: location(i), offset: i * 4, length: 4 },
    );
  await s.commit(`${n} ${kind} refs`);
}

const CHUNK = Uint8Array.of(1, 2, 3, 4);

function oursCommit(dir: string, n: number) {
  return async (rep: number) => {
    const repo = await Repository.open(localFilesystemStorage(dir));
    const s = await repo.writableSession("main");
    await s.store.set(`a/c/${(rep + 7) % n}`, CHUNK);
    await s.commit("one chunk");
  };
}

function oursShift(dir: string) {
  return async () => {
    const repo = await Repository.open(localFilesystemStorage(dir));
    const s = await repo.writableSession("main");
    await s.shiftArray("/a", [1]);
    await s.commit("shift by one chunk");
  };
}

function theirsCommit(o: Oracle, dir: string, n: number) {
  return async (rep: number) => {
    const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(dir));
    const s = await repo.writableSession("main");
    await s.store.set(`a/c/${(rep + 11) % n}`, Buffer.from(CHUNK));
    await s.commit("one chunk");
  };
}

/** Runs case 10. */
export async function smallCommitCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const huge = process.argv.includes("--huge");
  const sizes = huge ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
  const oracle = await nativeOrReason();
  const rows: Measurement[] = [];
  const targets: CaseResult["targets"][number][] = [];
  for (const n of sizes)
    for (const kind of ["native", "virtual"] as const)
      for (const split of [false, true]) {
        const label = `${n.toLocaleString("en")} ${kind}${split ? ", 10 splits" : ""}`;
        const dir = await tempDir("small-commit");
        await build(dir, n, kind, split);
        const reps = Math.max(1, Math.min(options.reps, n >= 1_000_000 ? 2 : 5));
        const fns = [oursCommit(dir, n), oursShift(dir)];
        if (oracle.oracle) fns.push(theirsCommit(oracle.oracle, dir, n));
        const { samples, errors } = await timeInterleaved(
          { reps, warmup: 1, ...(options.signal ? { signal: options.signal } : {}) },
          fns,
        );
        const names = ["icechunk-ts: one chunk + commit", "icechunk-ts: shiftArray + commit"];
        names.push("official (native): one chunk + commit");
        const official = samples[2] ? median(samples[2]) : undefined;
        for (let k = 0; k < names.length; k++) {
          const name = `${names[k]} (${label})`;
          const got = samples[k];
          if (k === 2 && !oracle.oracle) {
            rows.push({ name, skipped: oracle.reason ?? "unavailable" });
            continue;
          }
          if (!got) {
            rows.push({ name, skipped: String(errors[k]) });
            continue;
          }
          const ms = median(got);
          rows.push({
            name,
            medianMs: ms,
            samplesMs: got,
            extra: {
              refs: n,
              ...(official !== undefined && k < 2
                ? { "× native": (ms / official).toFixed(2) }
                : {}),
            },
          });
        }
        const ours = samples[0] ? median(samples[0]) : undefined;
        if (ours !== undefined && official !== undefined)
          targets.push({
            target: `${label}: one-chunk commit at most the native build's time`,
            met: ours <= official,
            detail: `${fmtMs(ours)} vs ${fmtMs(official)} (${(ours / official).toFixed(2)}×)`,
          });
        log(`  ${label}: done`);
      }
  return {
    id: "9",
    title: "small commits on big arrays: one chunk + commit, shiftArray + commit",
    setup:
      "A 1-D array of N chunk refs (native, or virtual whose locations the manifest stores " +
      "dictionary-compressed), one manifest or 10 splits, on the local filesystem. Each repetition " +
      "opens the repository, changes one chunk (or shifts the array by one chunk) and commits; the " +
      "contenders alternate on the same branch, each committing on the other's commit. `--huge` " +
      "adds N = 1,000,000.",
    baseline: "icechunk-ts: one chunk + commit (10,000 native)",
    rows,
    targets,
  };
}
