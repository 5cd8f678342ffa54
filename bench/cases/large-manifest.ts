/**
 * @module bench/cases/large-manifest
 * Case 3: opening an array whose manifest holds 1,000,000 chunk refs — native refs (manifest
 * written by icechunk-ts) and virtual refs (written by the official native build, which stores
 * the locations zstd-compressed with a dictionary) — then random chunk-size lookups
 * (`store.getsize`, i.e. a manifest lookup without chunk I/O), with the memory the open
 * manifest costs. icechunk-ts vs the official native build doing the same lookups.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { FileType } from "../../packages/core/src/format/constants.js";
import { newChunkId } from "../../packages/core/src/format/ids.js";
import { decodeObjectFile } from "../../packages/core/src/format/object-file.js";
import { nativeOrReason, type Oracle } from "../lib/anchors.js";
import { tempDir } from "../lib/data.js";
import {
  type CaseResult,
  fmtMs,
  guarded,
  log,
  type Measurement,
  mb,
  median,
  memoryNow,
} from "../lib/measure.js";

const SIDE = 1000;
const REFS = SIDE * SIDE;
const LOOKUPS = 20_000;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const GROUP = enc({ zarr_format: 3, node_type: "group", attributes: {} });
const ARRAY = enc({
  zarr_format: 3,
  node_type: "array",
  shape: [SIDE, SIDE * 4],
  data_type: "uint8",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [1, 4] } },
  chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
  fill_value: 0,
  codecs: [{ name: "bytes" }],
  attributes: {},
});
const location = (i: number) =>
  `s3://bench-bucket/archive/2025/file-${String(i).padStart(4, "0")}.nc`;
/** Deterministic pseudo-random lookup coordinates (the same for every contender). */
function lookupKeys(): string[] {
  let x = 12345;
  const keys: string[] = [];
  for (let k = 0; k < LOOKUPS; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const i = x % SIDE;
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    keys.push(`big/c/${i}/${x % SIDE}`);
  }
  return keys;
}

export async function buildNativeRefs(dir: string): Promise<void> {
  const repo = await Repository.create(localFilesystemStorage(dir));
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", GROUP);
  await s.store.set("big/zarr.json", ARRAY);
  for (let i = 0; i < SIDE; i++)
    for (let j = 0; j < SIDE; j++)
      s.setChunkRef("/big", [i, j], {
        kind: "native",
        chunkId: newChunkId(),
        offset: 0,
        length: 4,
      });
  await s.commit("1,000,000 native refs");
}

export async function buildVirtualRefs(o: Oracle, dir: string): Promise<void> {
  const repo = await o.Repository.create(await o.Storage.newLocalFilesystem(dir));
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", Buffer.from(GROUP));
  await s.store.set("big/zarr.json", Buffer.from(ARRAY));
  for (let i0 = 0; i0 < SIDE; i0 += 100) {
    const specs = [];
    for (let i = i0; i < i0 + 100; i++)
      for (let j = 0; j < SIDE; j++)
        specs.push({ index: [i, j], location: location(i), offset: j * 4, length: 4 });
    const failed = await s.store.setVirtualRefs("big", specs, false);
    if (failed && failed.length > 0)
      throw new Error(`setVirtualRefs refused ${failed.length} refs`);
  }
  await s.commit("1,000,000 virtual refs");
}

/** Uncompressed and stored size of the one manifest of the repository at `dir`. */
async function manifestSizes(dir: string): Promise<{ stored: number; payload: number }> {
  const { readdir } = await import("node:fs/promises");
  const files = await readdir(join(dir, "manifests"));
  if (files.length !== 1) throw new Error(`expected one manifest, found ${files.length}`);
  const bytes = new Uint8Array(await readFile(join(dir, "manifests", files[0]!)));
  return {
    stored: bytes.length,
    payload: decodeObjectFile(bytes, FileType.Manifest).payload.length,
  };
}

interface Lookups {
  /** open repo + session + first lookup (loads the manifest). */
  openMs: number[];
  perLookupUs: number[];
  check: number;
}

type Memory = { heap: number; buffers: number; rss: number };

/** One cold open + lookups in its own frame (so nothing of it stays reachable afterwards). */
async function once(
  open: () => Promise<(key: string) => Promise<number>>,
  keys: readonly string[],
  expectLength: number,
): Promise<{ openMs: number; perLookupUs: number; memory: Memory }> {
  const before = memoryNow();
  const t0 = performance.now();
  const getsize = await open();
  if ((await getsize(keys[0]!)) !== expectLength)
    throw new Error("wrong chunk size from the first lookup");
  const t1 = performance.now();
  let sum = 0;
  for (const k of keys) sum += await getsize(k);
  const t2 = performance.now();
  if (sum !== expectLength * keys.length)
    throw new Error(`lookups returned ${sum}, expected ${expectLength * keys.length}`);
  const after = memoryNow();
  // keep the opened repository alive until the memory was read
  await getsize(keys[1]!);
  return {
    openMs: t1 - t0,
    perLookupUs: ((t2 - t1) * 1000) / keys.length,
    memory: {
      heap: after.heapUsed - before.heapUsed,
      buffers: after.arrayBuffers - before.arrayBuffers,
      rss: after.rss - before.rss,
    },
  };
}

async function measure(
  reps: number,
  open: () => Promise<(key: string) => Promise<number>>,
  expectLength: number,
): Promise<Lookups & { memory?: Memory }> {
  const keys = lookupKeys();
  const out: Lookups & { memory?: Memory } = { openMs: [], perLookupUs: [], check: 0 };
  await once(open, keys, expectLength); // warm-up
  for (let rep = 0; rep < reps; rep++) {
    const r = await once(open, keys, expectLength);
    out.openMs.push(r.openMs);
    out.perLookupUs.push(r.perLookupUs);
    out.memory = r.memory;
  }
  return out;
}

function toRow(
  name: string,
  m: Lookups & { memory?: Memory },
  refs: string,
  payload: number,
  native: boolean,
): Measurement {
  const mem = m.memory;
  return {
    name,
    medianMs: median(m.openMs),
    samplesMs: m.openMs,
    extra: {
      refs,
      "per lookup": `${median(m.perLookupUs).toFixed(1)} µs`,
      "manifest (uncompressed)": mb(payload),
      "heap Δ": mem && !native ? mb(mem.heap) : "–",
      "array buffers Δ": mem && !native ? mb(mem.buffers) : "–",
      "rss Δ": mem ? mb(mem.rss) : "–",
    },
  };
}

/** Runs case 3. */
export async function largeManifestCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const reps = Math.max(1, Math.min(options.reps, 3));
  const nativeDir = await tempDir("m-native");
  let t = performance.now();
  await buildNativeRefs(nativeDir);
  log(
    `  built 1,000,000 native refs with icechunk-ts in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const nativeSizes = await manifestSizes(nativeDir);
  const oracle = await nativeOrReason();
  let virtualDir: string | undefined;
  let virtualSizes: { stored: number; payload: number } | undefined;
  if (oracle.oracle) {
    virtualDir = await tempDir("m-virtual");
    t = performance.now();
    await buildVirtualRefs(oracle.oracle, virtualDir);
    log(
      `  built 1,000,000 virtual refs with the native build in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    virtualSizes = await manifestSizes(virtualDir);
  }
  const rows: Measurement[] = [];
  const targets: CaseResult["targets"][number][] = [];
  const ours = (dir: string) => async () => {
    const repo = await Repository.open(localFilesystemStorage(dir));
    const s = await repo.readonlySession({ branch: "main" });
    return (key: string) => s.store.getsize(key);
  };
  const theirs = (o: Oracle, dir: string) => async () => {
    const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(dir));
    const s = await repo.readonlySession({ branch: "main" });
    return (key: string) => s.store.getsize(key);
  };
  const datasets: Array<
    [string, string | undefined, { stored: number; payload: number } | undefined]
  > = [
    ["native", nativeDir, nativeSizes],
    ["virtual", virtualDir, virtualSizes],
  ];
  for (const [kind, dir, sizes] of datasets) {
    if (!dir || !sizes) {
      rows.push({ name: `icechunk-ts (${kind})`, skipped: oracle.reason ?? "no data" });
      continue;
    }
    log(`  ${kind} refs: manifest ${mb(sizes.stored)} stored, ${mb(sizes.payload)} uncompressed`);
    const oursRow = await guarded(`icechunk-ts (${kind})`, async () =>
      toRow(`icechunk-ts (${kind})`, await measure(reps, ours(dir), 4), kind, sizes.payload, false),
    );
    rows.push(oursRow);
    rows.push(
      oracle.oracle
        ? await guarded(`official (native) (${kind})`, async () =>
            toRow(
              `official (native) (${kind})`,
              await measure(reps, theirs(oracle.oracle!, dir), 4),
              kind,
              sizes.payload,
              true,
            ),
          )
        : { name: `official (native) (${kind})`, skipped: oracle.reason ?? "unavailable" },
    );
    const heap = oursRow.extra?.["heap Δ"];
    const bufs = oursRow.extra?.["array buffers Δ"];
    if (heap !== undefined && bufs !== undefined) {
      const total = Number.parseFloat(String(heap)) + Number.parseFloat(String(bufs));
      const limit = (2 * sizes.payload) / 1024 / 1024;
      targets.push({
        target: `${kind} refs: open manifest's memory within 2× its uncompressed size, no JS object per ref`,
        met: total <= limit && Number.parseFloat(String(heap)) < (REFS * 16) / 1024 / 1024,
        detail: `heap Δ ${heap} + array buffers Δ ${bufs} vs ${mb(sizes.payload)} uncompressed (1M objects would need > ${mb(REFS * 16)} of heap)`,
      });
    }
  }
  return {
    id: "3",
    title: "Opening an array with 1,000,000 chunk refs, random lookups",
    setup: `One array of ${SIDE}×${SIDE} chunks with every chunk referenced by one manifest (spec 2, local disk). Native refs: written by icechunk-ts (\`session.setChunkRef\` + commit). Virtual refs: written by the official native build (\`store.setVirtualRefs\`, 1000 distinct file locations), which stores them dictionary-compressed. "median" is the time to open: \`Repository.open\` → read-only session on \`main\` → first \`store.getsize\` (which loads the manifest). Then ${LOOKUPS.toLocaleString("en-US")} random \`store.getsize\` calls (a manifest lookup, no chunk I/O; for virtual refs our lookup decompresses the location): "per lookup" is their mean. Memory: heapUsed / arrayBuffers / RSS after the lookups minus before the open, after a full GC, the repository still alive (heap and buffers only for icechunk-ts; the official build's memory is native, seen only in RSS). One warm-up run, then ${reps} measured.`,
    rows,
    baseline: "icechunk-ts (native)",
    targets,
    notes: `Time ÷ ours compares against the native-refs row. Open time ${fmtMs(rows[0]?.medianMs)} (ours, native refs) is dominated by reading and decompressing the ${mb(nativeSizes.stored)} manifest file.`,
  };
}
