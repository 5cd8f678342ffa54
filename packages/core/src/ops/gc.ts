/**
 * @module ops/gc
 * Garbage collection (upstream `ops/gc.rs`, format notes §9.5). Keeps every snapshot reachable
 * from a branch or tag, plus (spec 2) every snapshot of the repo info whose file is newer than the
 * cutoff or not listed yet (grace period for in-flight commits); keeps their manifests, the native
 * chunks those reference, and their transaction logs plus every pruned ancestor log. Spec 2 first
 * drops the other snapshots from the repo info (`gc-ran`, re-parenting survivors over dropped
 * ancestors), then deletes, in order, unreferenced snapshots, tx logs, manifests and chunks whose
 * storage last-modified time precedes the cutoff (by {@link TIMESTAMP_MARGIN_MS}), in batches.
 * After listing each prefix GC reads the refs again and keeps everything the snapshots committed
 * meanwhile reference, so a commit that lands before that read loses nothing even when its chunks
 * are older than the cutoff. `overwritten/` is never touched.
 */
import type { AssetManager } from "../assets/asset-manager.js";
import { installRepr, record } from "../display/repr.js";
import {
  ReadOnlyRepositoryError,
  RepoUpdateAttemptsLimitError,
  throwIfAborted,
} from "../errors.js";
import {
  CHUNKS_PREFIX,
  INITIAL_SNAPSHOT_ID,
  MANIFESTS_PREFIX,
  SNAPSHOTS_PREFIX,
  TRANSACTIONS_PREFIX,
} from "../format/constants.js";
import type { SnapshotId } from "../format/ids.js";
import type { RepoInfoData, RepoSnapshotInfo } from "../format/repo-info.js";
import type { ManifestFileInfo } from "../format/snapshot.js";
import type { RepositoryConfig } from "../repo-core/config.js";
import { updateRepoInfo } from "../repo-core/repo-info-update.js";
import type { CallOptions } from "../repo-core/types.js";
import { RefFilesVersionControl } from "../repo-core/v1.js";
import type { ListEntry } from "../storage/types.js";
import { mapConcurrent } from "../util/concurrency.js";
import { type ProgressOptions, phaseCounter } from "../util/progress.js";
import {
  ancestryInInfo,
  indexById,
  RepoInfoChangedSignal,
  reparentAndPrune,
  withParent,
} from "./history.js";
import {
  forEachManifest,
  type WalkLimits,
  type WalkLimitsOptions,
  walkLimits,
} from "./walk-limits.js";

/**
 * Options of `Repository.garbageCollect`. The walk over the kept snapshots and their manifests is
 * bounded by upstream's `maxSnapshotsInMemory`, `maxCompressedManifestMemBytes` and
 * `maxConcurrentManifestFetches` (same defaults); the result does not depend on them.
 */
export interface GarbageCollectOptions extends CallOptions, ProgressOptions, WalkLimitsOptions {
  /** Only count what would be deleted; change nothing. */
  dryRun?: boolean;
}

/** What a garbage collection deleted (or, in a dry run, would delete). */
export interface GCSummary {
  chunks: number;
  manifests: number;
  snapshots: number;
  transactionLogs: number;
  bytes: number;
}

/** Prototype of every GCSummary the library returns (its repr). */
const GC_SUMMARY_PROTO: object = {};
installRepr<GCSummary>(GC_SUMMARY_PROTO, "GCSummary", (g) => [
  ["snapshots", g.snapshots],
  ["transactionLogs", g.transactionLogs],
  ["manifests", g.manifests],
  ["chunks", g.chunks],
  ["bytes", g.bytes],
]);

const DELETE_BATCH_SIZE = 1000;
const DELETE_CONCURRENCY = 10;

/**
 * How far an object's reported time may lag the moment it was written. Linux stamps files from its
 * coarse clock (the last timer tick: up to 4 ms at HZ=250, 10 ms at HZ=100), so a chunk written
 * right after `Date.now()` returned the cutoff can carry an earlier mtime.
 */
export const TIMESTAMP_MARGIN_MS = 20;

/**
 * True when an object listed with `createdAt` was written entirely before `cutoff`. A listing that
 * reports whole seconds may have floored the time, so such objects must be a full second older;
 * finer times must precede the cutoff by {@link TIMESTAMP_MARGIN_MS}.
 */
export function createdBefore(createdAt: Date, cutoff: Date): boolean {
  const t = createdAt.getTime();
  if (t % 1000 === 0) return t + 1000 <= cutoff.getTime();
  return t + TIMESTAMP_MARGIN_MS < cutoff.getTime();
}

async function listPrefix(
  assets: AssetManager,
  prefix: string,
  signal?: AbortSignal,
): Promise<Map<string, ListEntry>> {
  const out = new Map<string, ListEntry>();
  for await (const e of assets.storage.list(prefix.replace(/\/$/, ""), { signal })) {
    if (!e.key.includes("/")) out.set(e.key, e);
  }
  return out;
}

/**
 * Ids of every snapshot in the ancestry of the refs (spec 1: read from snapshot files; a walk stops
 * at a snapshot in `known`, which is left out).
 */
async function pointedSnapshots(
  assets: AssetManager,
  info: RepoInfoData | undefined,
  signal?: AbortSignal,
  known: ReadonlySet<string> = new Set(),
): Promise<Set<string>> {
  const out = new Set<string>();
  if (info) {
    const byId = indexById(info);
    for (const ref of [...info.tags, ...info.branches])
      for (const s of ancestryInInfo(byId, ref.snapshotId)) out.add(s.id);
    return out;
  }
  const vc = new RefFilesVersionControl(assets);
  const tips = [
    ...(await Promise.all(
      (await vc.listBranches({ signal })).map((b) => vc.lookupBranch(b, { signal })),
    )),
    ...(await Promise.all((await vc.listTags({ signal })).map((t) => vc.lookupTag(t, { signal })))),
  ];
  for (const tip of tips)
    for await (const s of vc.ancestry(tip, { signal })) {
      if (out.has(s.id) || known.has(s.id)) break;
      out.add(s.id);
    }
  return out;
}

/**
 * The snapshots GC keeps and the manifests, native chunks and transaction logs they reference,
 * grown incrementally: {@link add} fetches only snapshots and manifests not seen before.
 */
class Retained {
  readonly snapshots = new Set<string>();
  readonly manifests = new Set<string>();
  readonly chunks = new Set<string>();
  readonly txLogs = new Set<string>();
  readonly #fetched = new Set<string>();

  constructor(
    private readonly assets: AssetManager,
    private readonly limits: WalkLimits,
    private readonly signal?: AbortSignal,
  ) {}

  /** Keeps `ids` (and, from `infos`, their pruned ancestors' transaction logs). */
  async add(ids: Iterable<string>, infos: Iterable<RepoSnapshotInfo> = []): Promise<void> {
    const { assets, signal } = this;
    for (const id of ids) {
      this.snapshots.add(id);
      this.txLogs.add(id);
    }
    for (const s of infos) for (const id of s.prunedAncestorTxLogs ?? []) this.txLogs.add(id);
    const fresh = [...this.snapshots].filter((id) => !this.#fetched.has(id));
    const { snapshotsAtATime } = this.limits;
    // in batches: at most `snapshotsAtATime` snapshots fetched and held at once, then their manifests
    for (let i = 0; i < fresh.length; i += snapshotsAtATime) {
      const batch = fresh.slice(i, i + snapshotsAtATime);
      const manifests = new Map<string, ManifestFileInfo>();
      await mapConcurrent(batch, batch.length, async (id) => {
        throwIfAborted(signal);
        const snap = await assets.fetchSnapshot(id as SnapshotId, { signal });
        this.#fetched.add(id);
        if (!snap) return; // a snapshot with no file references nothing we could keep
        for (const m of snap.manifestFiles) if (!this.manifests.has(m.id)) manifests.set(m.id, m);
      });
      await forEachManifest(
        assets,
        [...manifests.values()],
        this.limits,
        (m, manifest) => {
          for (const node of manifest.nodeIds())
            for (const [, payload] of manifest.refs(node))
              if (payload.kind === "native") this.chunks.add(payload.chunkId);
          this.manifests.add(m.id);
        },
        signal,
      );
    }
  }
}

/**
 * The repo-info update of a spec-2 GC (upstream `delete_snapshots_from_repo_info`): removes the
 * dropped snapshots; a kept snapshot whose parent is dropped is re-parented to its nearest kept
 * ancestor (or the initial snapshot) collecting pruned logs. Signals a restart when a snapshot that
 * appeared meanwhile sits on a dropped parent, or a ref points at a dropped snapshot. Adds new
 * snapshots to `keep`.
 */
export function planGcRepoInfo(
  info: RepoInfoData,
  keep: Set<string>,
  drop: Set<string>,
): RepoInfoData {
  const byId = indexById(info);
  const out: RepoSnapshotInfo[] = [];
  for (const s of info.snapshots) {
    const kept = keep.has(s.id);
    if (drop.has(s.id) && !kept) continue;
    const parentDropped = s.parentId !== undefined && drop.has(s.parentId);
    if (!kept && parentDropped) throw new RepoInfoChangedSignal();
    if (!kept) keep.add(s.id);
    if (parentDropped) {
      const { newParent, pruned } = reparentAndPrune(byId, s, (a) => keep.has(a.id));
      out.push(withParent(s, newParent ?? INITIAL_SNAPSHOT_ID, pruned));
    } else out.push(s);
  }
  const ids = new Set(out.map((s) => s.id));
  for (const ref of [...info.tags, ...info.branches])
    if (!ids.has(ref.snapshotId)) throw new RepoInfoChangedSignal();
  return { ...info, snapshots: out };
}

async function deleteUnretained(
  assets: AssetManager,
  prefix: string,
  listed: Map<string, ListEntry>,
  keep: (id: string) => boolean,
  cutoff: Date,
  dryRun: boolean,
  signal?: AbortSignal,
): Promise<{ objects: number; bytes: number }> {
  const doomed = [...listed.values()].filter(
    (e) => createdBefore(e.lastModified, cutoff) && !keep(e.key),
  );
  if (dryRun) return { objects: doomed.length, bytes: doomed.reduce((n, e) => n + e.size, 0) };
  const batches: ListEntry[][] = [];
  for (let i = 0; i < doomed.length; i += DELETE_BATCH_SIZE)
    batches.push(doomed.slice(i, i + DELETE_BATCH_SIZE));
  const results = await mapConcurrent(batches, DELETE_CONCURRENCY, async (batch) => {
    throwIfAborted(signal);
    return assets.request(() =>
      assets.storage.delete(
        batch.map((e) => prefix + e.key),
        { signal },
      ),
    );
  });
  return results.reduce(
    (acc, r) => ({ objects: acc.objects + r.deletedObjects, bytes: acc.bytes + r.deletedBytes }),
    {
      objects: 0,
      bytes: 0,
    },
  );
}

/**
 * Keeps what commits landed since GC last looked (upstream re-reads the repo info after collecting
 * and reprocesses new snapshots): spec 2 re-reads the `repo` object and keeps every snapshot it
 * lists that GC had not seen (`seen`: the snapshots of the first read, kept or dropped); spec 1
 * re-reads the refs and keeps the ancestry of every tip not kept yet.
 */
async function catchUp(
  assets: AssetManager,
  specVersion: 1 | 2,
  retained: Retained,
  seen: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<void> {
  if (specVersion === 2) {
    const info = (await assets.fetchRepoInfo({ signal }))?.info;
    const fresh = (info?.snapshots ?? []).filter(
      (s) => !seen.has(s.id) && !retained.snapshots.has(s.id),
    );
    if (fresh.length > 0)
      await retained.add(
        fresh.map((s) => s.id),
        fresh,
      );
    return;
  }
  const fresh = [...(await pointedSnapshots(assets, undefined, signal, retained.snapshots))];
  if (fresh.length > 0) await retained.add(fresh);
}

/** One GC attempt; throws RepoInfoChangedSignal when it must start over. */
async function attempt(
  assets: AssetManager,
  specVersion: 1 | 2,
  config: RepositoryConfig,
  cutoff: Date,
  limits: WalkLimits,
  options: GarbageCollectOptions,
): Promise<GCSummary> {
  const { signal } = options;
  const dryRun = options.dryRun ?? false;
  const listedSnapshots = await listPrefix(assets, SNAPSHOTS_PREFIX, signal);
  const info = specVersion === 2 ? (await assets.fetchRepoInfo({ signal }))?.info : undefined;
  if (specVersion === 2 && !info) throw new ReadOnlyRepositoryError("the 'repo' object is missing");
  const keepSnapshots = await pointedSnapshots(assets, info, signal);
  const all = new Set<string>();
  for (const s of info?.snapshots ?? []) {
    all.add(s.id);
    if (keepSnapshots.has(s.id)) continue;
    const listed = listedSnapshots.get(s.id);
    // grace period: a snapshot newer than the cutoff (or not listed yet) survives
    if (!listed || !createdBefore(listed.lastModified, cutoff)) keepSnapshots.add(s.id);
  }
  const retained = new Retained(assets, limits, signal);
  await retained.add(keepSnapshots);
  const drop = new Set([...all].filter((id) => !keepSnapshots.has(id)));
  let latest = info;
  if (info && !dryRun) {
    latest = await updateRepoInfo(
      assets,
      config,
      (current) => ({
        info: planGcRepoInfo(current, keepSnapshots, drop),
        update: { type: "gc-ran" },
      }),
      { signal },
    );
  }
  // what the update kept: snapshots that appeared meanwhile, and the pruned ancestors' tx logs
  await retained.add(keepSnapshots, latest?.snapshots ?? []);
  const summary: GCSummary = record(GC_SUMMARY_PROTO, {
    chunks: 0,
    manifests: 0,
    snapshots: 0,
    transactionLogs: 0,
    bytes: 0,
  });
  // In this order (snapshots first, chunks last), each prefix listed just before its deletes.
  // After each listing GC looks again for commits that landed meanwhile: anything listed that a
  // snapshot written before that look references is kept, whatever its time.
  const phases: Array<[keyof Omit<GCSummary, "bytes">, string, ReadonlySet<string>]> = [
    ["snapshots", SNAPSHOTS_PREFIX, retained.snapshots],
    ["transactionLogs", TRANSACTIONS_PREFIX, retained.txLogs],
    ["manifests", MANIFESTS_PREFIX, retained.manifests],
    ["chunks", CHUNKS_PREFIX, retained.chunks],
  ];
  // `{ phase: "delete", done, total: 4 }`: snapshots, transaction logs, manifests, chunks
  const progress = phaseCounter(options.onProgress, "delete", phases.length);
  for (const [field, prefix, keep] of phases) {
    const listed =
      prefix === SNAPSHOTS_PREFIX ? listedSnapshots : await listPrefix(assets, prefix, signal);
    await catchUp(assets, specVersion, retained, all, signal);
    const r = await deleteUnretained(
      assets,
      prefix,
      listed,
      (id) => keep.has(id),
      cutoff,
      dryRun,
      signal,
    );
    summary[field] += r.objects;
    summary.bytes += r.bytes;
    progress.tick();
  }
  return summary;
}

/**
 * Deletes objects no ref can reach that were written before `deleteObjectsOlderThan` (judged by
 * the storage's last-modified times). The cutoff must precede the start of every writer still
 * running: their uncommitted chunks and manifests are unreferenced too.
 */
export async function garbageCollect(
  assets: AssetManager,
  specVersion: 1 | 2,
  config: RepositoryConfig,
  deleteObjectsOlderThan: Date,
  options: GarbageCollectOptions = {},
): Promise<GCSummary> {
  const limits = walkLimits(options);
  if (!assets.storage.canWrite)
    throw new ReadOnlyRepositoryError("its storage is read-only; cannot garbage collect");
  if (specVersion === 2) {
    const info = (await assets.fetchRepoInfo(options))?.info;
    if (info && info.status.availability !== "online")
      throw new ReadOnlyRepositoryError(
        info.status.reason ?? "its status is read-only; cannot garbage collect",
      );
  }
  const maxTries = config.repoUpdateRetries?.default?.maxTries ?? 100;
  for (let i = 0; i < maxTries; i++) {
    throwIfAborted(options.signal);
    try {
      return await attempt(assets, specVersion, config, deleteObjectsOlderThan, limits, options);
    } catch (e) {
      if (!(e instanceof RepoInfoChangedSignal)) throw e;
    }
  }
  throw new RepoUpdateAttemptsLimitError(maxTries);
}
