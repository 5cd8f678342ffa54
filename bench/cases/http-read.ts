/**
 * @module bench/cases/http-read
 * Case 9: reading a whole array over HTTP with 20 ms added latency — a spec-2 repository the
 * official native build wrote (1024×1024 float32 in 32×32 chunks: 1024 native chunks of 4 KiB),
 * served on 127.0.0.1, read through zarrita with a cold open each time: ours over `fetch`, ours
 * over `nodeHttpFetch()` (node:http keep-alive), the native build's `Storage.newHttp`, and plain
 * zarrita over FetchStore on the same bytes stored as plain Zarr.
 */
import { httpStorage, Repository } from "@icechunk-ts/core";
import { nodeHttpFetch } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import FetchStore from "@zarrita/storage/fetch";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import { startHttpServer } from "../../test/support/http-server.js";
import { nativeOrReason, type Oracle, oracleZarrStore } from "../lib/anchors.js";
import { tempDir } from "../lib/data.js";
import { type CaseResult, log, type Measurement, row, timeInterleaved } from "../lib/measure.js";

const LATENCY_MS = 20;
const SIDE = 1024;
const CHUNK = 32;
const ARRAY = { shape: [SIDE, SIDE], chunkShape: [CHUNK, CHUNK], dtype: "float32" as const };
const OURS = "icechunk-ts (fetch)";
const OURS_NODE = "icechunk-ts (nodeHttpFetch)";
const NATIVE = "official (native, Storage.newHttp)";
const PLAIN = "zarrita + FetchStore (plain Zarr)";

function values(): Float32Array {
  const data = new Float32Array(SIDE * SIDE);
  for (let i = 0; i < data.length; i++) data[i] = (i % 4099) * 0.25;
  return data;
}

async function readAll(store: zarr.Readable): Promise<void> {
  const arr = await zarr.open.v3(zarr.root(store).resolve("grid"), { kind: "array" });
  const { data } = await zarr.get(arr, null);
  const got = data as Float32Array;
  if (got.length !== SIDE * SIDE) throw new Error(`read ${got.length} values`);
  for (let i = 0; i < got.length; i += 769)
    if (got[i] !== (i % 4099) * 0.25) throw new Error(`value ${i} is ${got[i]}`);
}

/** Writes `<root>/repo` (the official build's spec-2 repository) and `<root>/plain` (plain Zarr). */
export async function writeData(o: Oracle, root: string): Promise<void> {
  const repo = await o.Repository.create(await o.Storage.newLocalFilesystem(`${root}/repo`));
  const session = await repo.writableSession("main");
  const zroot = zarr.root(oracleZarrStore(session));
  await zarr.create(zroot, {});
  await zarr.set(await zarr.create(zroot.resolve("grid"), ARRAY), null, {
    data: values(),
    shape: [SIDE, SIDE],
    stride: [SIDE, 1],
  });
  await session.commit("grid");
  const plain = zarr.root(new FileSystemStore(`${root}/plain`));
  await zarr.create(plain, {});
  await zarr.set(await zarr.create(plain.resolve("grid"), ARRAY), null, {
    data: values(),
    shape: [SIDE, SIDE],
    stride: [SIDE, 1],
  });
}

/** Runs case 9 with `reps` interleaved repetitions per contender. */
export async function httpReadCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const { reps, signal } = options;
  const native = await nativeOrReason();
  if (!native.oracle)
    return {
      id: "9",
      title: "Reading a whole array over HTTP with 20 ms latency",
      setup: "needs the official native build to write the repository",
      rows: [{ name: NATIVE, skipped: native.reason ?? "unavailable" }],
      baseline: NATIVE,
      targets: [],
    };
  const o = native.oracle;
  const root = await tempDir("http-read");
  log("  writing the 1024-chunk array with the official native build, and as plain Zarr");
  await writeData(o, root);
  const server = await startHttpServer({ root, latencyMs: LATENCY_MS, listing: false });
  const repoUrl = `${server.url}/repo`;
  const ours = (fetch?: ReturnType<typeof nodeHttpFetch>) => async () => {
    const repo = await Repository.open(httpStorage(repoUrl, fetch ? { fetch } : {}), { signal });
    await readAll(new IcechunkStore(await repo.readonlySession({ branch: "main" }, { signal })));
  };
  const contenders: Array<[string, () => Promise<void>]> = [
    [OURS, ours()],
    [OURS_NODE, ours(nodeHttpFetch())],
    [
      NATIVE,
      async () => {
        const repo = await o.Repository.open(o.Storage.newHttp(repoUrl));
        await readAll(oracleZarrStore(await repo.readonlySession({ branch: "main" })));
      },
    ],
    [PLAIN, () => readAll(new FetchStore(`${server.url}/plain`))],
  ];
  try {
    const timed = await timeInterleaved(
      { reps: Math.max(3, reps), warmup: 1, signal },
      contenders.map(([, fn]) => fn),
    );
    const rows: Measurement[] = contenders.map(([name], k) => {
      const samples = timed.samples[k];
      const err = timed.errors[k];
      return samples
        ? row(name, samples)
        : {
            name,
            skipped: `failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
          };
    });
    const med = (name: string) => rows.find((r) => r.name === name)?.medianMs;
    const target = (name: string, label: string) => {
      const m = med(name);
      const n = med(NATIVE);
      return {
        target: label,
        met: m !== undefined && n !== undefined && m <= n,
        detail:
          m === undefined || n === undefined
            ? "unavailable"
            : `${m.toFixed(0)} ms vs native ${n.toFixed(0)} ms (${(m / n).toFixed(2)}× native)`,
      };
    };
    return {
      id: "9",
      title: "Reading a whole array over HTTP with 20 ms latency",
      setup: `A spec-2 repository written by the official native build: a 1024×1024 float32 array in 32×32 chunks (1024 native chunks of 4 KiB, uncompressed), served from 127.0.0.1 by test/support/http-server.ts with ${LATENCY_MS} ms added to every response. Each run opens the repository cold and reads the whole array with \`zarr.get(arr, null)\`; values are checked. Contenders alternate within each repetition (order rotated). Plain zarrita reads the same array stored as plain Zarr through FetchStore.`,
      rows,
      baseline: OURS,
      targets: [
        target(OURS_NODE, "Node transport at least as fast as the native build"),
        target(OURS, "fetch at least as fast as the native build"),
      ],
    };
  } finally {
    await server.close();
  }
}
