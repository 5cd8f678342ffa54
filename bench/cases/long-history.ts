/**
 * @module bench/cases/long-history
 * Case 5: a repository with 10,000 commits — listing the ancestry of `main` and opening an old
 * snapshot (read-only session at its id, then reading the root's zarr.json), icechunk-ts vs the
 * official native build. The history is built directly with our format encoders (one snapshot
 * file per commit, one `repo` object listing them all), as 10,000 real commits would rewrite a
 * growing `repo` object 10,000 times.
 */
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import {
  FileType,
  REPO_INFO_PATH,
  SNAPSHOTS_PREFIX,
} from "../../packages/core/src/format/constants.js";
import { newNodeId, newSnapshotId, type SnapshotId } from "../../packages/core/src/format/ids.js";
import { decodeObjectFile, encodeObjectFile } from "../../packages/core/src/format/object-file.js";
import {
  decodeRepoInfo,
  encodeRepoInfo,
  type RepoSnapshotInfo,
} from "../../packages/core/src/format/repo-info.js";
import { encodeSnapshot } from "../../packages/core/src/format/snapshot.js";
import { nativeOrReason, type Oracle } from "../lib/anchors.js";
import { tempDir } from "../lib/data.js";
import { type CaseResult, log, type Measurement, row, timeInterleaved } from "../lib/measure.js";

const COMMITS = 10_000;
/** The commit whose snapshot is opened (an old one: 10 commits after the first). */
const OLD = 10;

const rootJson = (k: number) =>
  new TextEncoder().encode(
    JSON.stringify({ zarr_format: 3, node_type: "group", attributes: { commit: k } }),
  );

/** Writes COMMITS snapshots on top of a fresh repository's first one; returns their ids, oldest first. */
export async function buildHistory(dir: string): Promise<SnapshotId[]> {
  const storage = localFilesystemStorage(dir);
  await Repository.create(storage);
  const got = await storage.get(REPO_INFO_PATH);
  if (!got) throw new Error("no repo object");
  const info = decodeRepoInfo(decodeObjectFile(got.data, FileType.RepoInfo).payload);
  const first = info.snapshots[0]!;
  const rootId = newNodeId();
  const ids: SnapshotId[] = [];
  const added: RepoSnapshotInfo[] = [];
  let parent = first.id;
  for (let k = 1; k <= COMMITS; k++) {
    const id = newSnapshotId();
    const flushedAt = first.flushedAt + k * 1000;
    ids.push(id);
    added.push({ id, parentId: parent, flushedAt, message: `commit ${k}`, metadata: {} });
    parent = id;
  }
  const BATCH = 64;
  for (let i = 0; i < COMMITS; i += BATCH) {
    await Promise.all(
      added.slice(i, i + BATCH).map((s, j) => {
        const bytes = encodeObjectFile(
          FileType.Snapshot,
          2,
          encodeSnapshot(
            {
              id: s.id,
              flushedAt: s.flushedAt,
              message: s.message,
              metadata: s.metadata,
              manifestFiles: [],
              nodes: [
                {
                  id: rootId,
                  path: "/",
                  userData: rootJson(i + j + 1),
                  nodeData: { type: "group" },
                },
              ],
            },
            2,
          ),
          { level: 1 },
        );
        return storage.put(SNAPSHOTS_PREFIX + s.id, bytes);
      }),
    );
  }
  const updated = {
    ...info,
    branches: [{ name: "main", snapshotId: parent }],
    snapshots: [...info.snapshots, ...added],
  };
  const put = await storage.put(
    REPO_INFO_PATH,
    encodeObjectFile(FileType.RepoInfo, 2, encodeRepoInfo(updated), { level: 3 }),
    {
      condition: { ifMatch: got.version },
    },
  );
  if (put.kind !== "written") throw new Error("the repo object changed while building the history");
  return ids;
}

function checkRoot(bytes: Uint8Array | null | undefined): void {
  const attrs = bytes
    ? (JSON.parse(new TextDecoder().decode(bytes)) as { attributes?: { commit?: number } })
        .attributes
    : undefined;
  if (attrs?.commit !== OLD)
    throw new Error(`old snapshot's root says commit ${attrs?.commit}, expected ${OLD}`);
}

/** Runs case 5. */
export async function longHistoryCase(options: {
  reps: number;
  signal?: AbortSignal;
}): Promise<CaseResult> {
  const reps = Math.max(3, options.reps * 4);
  const dir = await tempDir("history");
  const t = performance.now();
  const ids = await buildHistory(dir);
  log(`  built ${COMMITS} commits in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const oldId = ids[OLD - 1]!;
  const oursOpen = () => Repository.open(localFilesystemStorage(dir));
  const native = await nativeOrReason();
  const o: Oracle | undefined = native.oracle;
  const checkAncestry = (anc: ReadonlyArray<{ id: string }>) => {
    if (anc.length !== COMMITS + 1 || anc[COMMITS - OLD]?.id !== oldId)
      throw new Error(`ancestry has ${anc.length} entries`);
  };
  // Four contenders, alternating within every repetition (order rotated) so that outside load
  // hits them alike; each run is cheap, so the case takes more repetitions than the others.
  const contenders: Array<[string, string, (() => Promise<void>) | undefined]> = [
    [
      "icechunk-ts",
      "open + ancestry of main",
      async () => checkAncestry(await (await oursOpen()).ancestry({ branch: "main" })),
    ],
    [
      "official (native)",
      "open + ancestry of main",
      o &&
        (async () => {
          const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(dir));
          checkAncestry(await repo.ancestry({ branch: "main" }));
        }),
    ],
    [
      "icechunk-ts ",
      `open + session at commit ${OLD} + read zarr.json`,
      async () => {
        const s = await (await oursOpen()).readonlySession({ snapshotId: oldId });
        checkRoot(await s.store.get("zarr.json"));
      },
    ],
    [
      "official (native) ",
      `open + session at commit ${OLD} + read zarr.json`,
      o &&
        (async () => {
          const repo = await o.Repository.open(await o.Storage.newLocalFilesystem(dir));
          const s = await repo.readonlySession({ snapshotId: oldId });
          checkRoot(await s.store.get("zarr.json"));
        }),
    ],
  ];
  const runnable = contenders.filter(([, , fn]) => fn !== undefined);
  const timed = await timeInterleaved(
    { reps, warmup: 2, signal: options.signal },
    runnable.map(([, , fn]) => fn!),
  );
  const rows: Measurement[] = contenders.map(([name, operation, fn]) => {
    if (!fn) return { name, skipped: native.reason ?? "unavailable" };
    const k = runnable.findIndex(([n]) => n === name);
    const samples = timed.samples[k];
    const err = timed.errors[k];
    return samples
      ? row(name, samples, { operation })
      : {
          name,
          skipped: `failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        };
  });
  const vs = (a: Measurement, b: Measurement, what: string) => ({
    target: `${what}: at least as fast as native`,
    met: a.medianMs !== undefined && b.medianMs !== undefined && a.medianMs <= b.medianMs,
    detail:
      a.medianMs === undefined || b.medianMs === undefined
        ? "not measured"
        : `ours ${a.medianMs.toFixed(1)} ms vs native ${b.medianMs.toFixed(1)} ms`,
  });
  return {
    id: "5",
    title: `A history of ${COMMITS.toLocaleString("en-US")} commits`,
    setup: `A spec-2 repository on local disk whose \`main\` has ${COMMITS.toLocaleString("en-US")} commits on top of the initial snapshot (each snapshot: a root group whose attributes name its commit), built with our format encoders: one snapshot file per commit and one \`repo\` object listing all of them (the spec-2 layout a real history has). (a) Open the repository cold and list the ancestry of \`main\` (all ${(COMMITS + 1).toLocaleString("en-US")} entries; checked). (b) Open the repository cold, open a read-only session at commit ${OLD} and read the root's zarr.json (checked). The four rows alternate within every repetition (order rotated). Rows whose name ends in a space are (b).`,
    rows,
    baseline: "icechunk-ts",
    targets: [vs(rows[0]!, rows[1]!, "ancestry"), vs(rows[2]!, rows[3]!, "old snapshot")],
  };
}
