/**
 * @module bench/cases/read-array
 * Case 2: reading a whole 3200×3200 float32 array of 10,000 chunks through zarrita — icechunk-ts vs
 * the official implementation's native and WASI builds (same repository on local disk), vs zarrita
 * reading the same data stored as plain Zarr with its FileSystemStore.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import { nativeOrReason, oracleStorage, oracleZarrStore, wasiOrReason } from "../lib/anchors.js";
import { checkGrid, tempDir, writeGridPlainZarr, writeGridRepo } from "../lib/data.js";
import {
  type CaseResult,
  guarded,
  log,
  type Measurement,
  row,
  timeInterleaved,
  timeRuns,
} from "../lib/measure.js";

const OURS = "icechunk-ts";
const OURS_SYNC = "icechunk-ts, syncReadMaxBytes: 64 KiB";
const OURS_POOL = "icechunk-ts, readWorker: false";

async function readAll(store: zarr.Readable): Promise<void> {
  const arr = await zarr.open.v3(zarr.root(store).resolve("grid"), { kind: "array" });
  const { data } = await zarr.get(arr, null);
  checkGrid(data as Float32Array);
}

/** Runs case 2 with `reps` repetitions per contender. */
export async function readArrayCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const { reps, signal } = options;
  const repoDir = await tempDir("read-repo");
  const plainDir = await tempDir("read-plain");
  log("  writing the 10,000-chunk array (icechunk-ts repo and plain Zarr)");
  await writeGridRepo(repoDir, { signal });
  await writeGridPlainZarr(plainDir);
  // Every contender opens the repository cold in each repetition (open + session + read); the
  // fast contenders alternate within each repetition so outside load hits them alike.
  const native = await nativeOrReason();
  const PLAIN = "zarrita + FileSystemStore (plain Zarr)";
  const contenders: Array<[string, () => Promise<void>]> = [
    [
      OURS,
      async () => {
        const repo = await Repository.open(localFilesystemStorage(repoDir), { signal });
        await readAll(
          new IcechunkStore(await repo.readonlySession({ branch: "main" }, { signal })),
        );
      },
    ],
    [
      OURS_POOL,
      async () => {
        const storage = localFilesystemStorage(repoDir, { readWorker: false });
        const repo = await Repository.open(storage, { signal });
        await readAll(
          new IcechunkStore(await repo.readonlySession({ branch: "main" }, { signal })),
        );
      },
    ],
    [
      OURS_SYNC,
      async () => {
        const storage = localFilesystemStorage(repoDir, { syncReadMaxBytes: 64 * 1024 });
        const repo = await Repository.open(storage, { signal });
        await readAll(
          new IcechunkStore(await repo.readonlySession({ branch: "main" }, { signal })),
        );
      },
    ],
  ];
  if (native.oracle) {
    const o = native.oracle;
    contenders.push([
      "official (native)",
      async () => {
        const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(repoDir));
        await readAll(oracleZarrStore(await repo.readonlySession({ branch: "main" })));
      },
    ]);
  }
  contenders.push([PLAIN, () => readAll(new FileSystemStore(plainDir))]);
  const timed = await timeInterleaved(
    { reps, warmup: 1, signal },
    contenders.map(([, fn]) => fn),
  );
  const byName = new Map<string, Measurement>();
  contenders.forEach(([name], k) => {
    const samples = timed.samples[k];
    const err = timed.errors[k];
    byName.set(
      name,
      samples
        ? row(name, samples)
        : {
            name,
            skipped: `failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
          },
    );
  });
  const rows: Measurement[] = [
    byName.get(OURS)!,
    byName.get(OURS_POOL)!,
    byName.get(OURS_SYNC)!,
    byName.get("official (native)") ?? {
      name: "official (native)",
      skipped: native.reason ?? "unavailable",
    },
  ];
  const wasi = await wasiOrReason();
  rows.push(
    wasi.oracle
      ? await guarded("official (WASI)", async () => {
          const o = wasi.oracle!;
          return row(
            "official (WASI)",
            await timeRuns({ reps: Math.max(1, Math.min(reps, 3)), signal }, async () => {
              const repo = await o.Repository.open(
                await oracleStorage(localFilesystemStorage(repoDir), { oracle: o }),
              );
              await readAll(oracleZarrStore(await repo.readonlySession({ branch: "main" })));
            }),
          );
        })
      : { name: "official (WASI)", skipped: wasi.reason ?? "unavailable" },
  );
  rows.push(byName.get(PLAIN)!);
  const ours = rows[0]!.medianMs ?? Number.POSITIVE_INFINITY;
  const med = (name: string) => rows.find((r) => r.name === name)?.medianMs;
  const vs = (name: string, factor: number, label: string) => {
    const m = med(name);
    return {
      target: label,
      met: m !== undefined && ours * factor <= m,
      detail:
        m === undefined
          ? "anchor unavailable"
          : `ours ${ours.toFixed(0)} ms vs ${m.toFixed(0)} ms (${(m / ours).toFixed(2)}× ours)`,
    };
  };
  return {
    id: "2",
    title: "Reading a whole array of 10,000 chunks through zarrita",
    setup:
      "A 3200×3200 float32 array in 32×32 chunks (10,000 native chunks of 4 KiB, no compression) committed by icechunk-ts to a spec-2 repository on local disk; the official builds read the same repository (native: `Storage.newLocalFilesystem`; WASI: `Storage.newCustom` over our filesystem storage, the only storage that build has). The plain-Zarr anchor is the same array written by zarrita to `@zarrita/storage`'s FileSystemStore. The icechunk-ts rows, the native build and plain zarrita alternate within each repetition (order rotated). Each run opens the repository cold (a new Storage and Repository), opens a read-only session on `main`, and reads the whole array with `zarr.get(arr, null)`; values are checked.",
    rows,
    baseline: OURS,
    targets: [
      vs("official (native)", 1, "at least as fast as the native build"),
      vs("zarrita + FileSystemStore (plain Zarr)", 1, "at least as fast as plain zarrita"),
      vs("official (WASI)", 2, "≥ 2× faster than the WASI build"),
    ],
    notes: readModesNote(
      med(OURS_POOL),
      med(OURS_SYNC),
      med("official (native)"),
      med("zarrita + FileSystemStore (plain Zarr)"),
    ),
  };
}

function readModesNote(
  pool: number | undefined,
  sync: number | undefined,
  native: number | undefined,
  plain: number | undefined,
): string {
  const f = (m: number | undefined) => (m === undefined ? "–" : `${m.toFixed(0)} ms`);
  return `The default row sends chunk reads issued together to one worker thread in batches (storage/fs-read-worker.ts: blocking open/pread/close off the event loop, one message per batch). The second row turns that off (\`readWorker: false\`): every chunk costs three round trips through libuv's thread pool (open, read, close) — ${f(pool)}. The third opts into \`syncReadMaxBytes: 65536\`: chunk reads up to 64 KiB block the main thread (fast for page-cached files, but the event loop waits for the disk) — ${f(sync)}. Native ${f(native)}, plain zarrita ${f(plain)}; targets are judged on the default row.`;
}
