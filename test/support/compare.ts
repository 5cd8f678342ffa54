/**
 * @module test/support/compare
 * Differential comparison of one repository as seen by icechunk-ts and by the official
 * implementation: branches, tags, ancestry of every ref, and for every snapshot in those histories
 * the full key listing, every `zarr.json` and every chunk's bytes.
 */
import type { Repository as OurRepository } from "@icechunk-ts/core";
import { isIcechunkError } from "@icechunk-ts/core";
import { expect } from "vitest";
import type { Oracle } from "./oracle.js";

type TheirRepository = Awaited<ReturnType<Oracle["Repository"]["open"]>>;

export interface CompareOptions {
  /** Keys whose bytes are not compared (e.g. virtual chunks on an unreachable server). */
  skipBytes?: (key: string) => boolean;
  /** Compare at most this many snapshots (newest first per ref). */
  maxSnapshots?: number;
}

export async function compareRepositories(
  ours: OurRepository,
  theirs: TheirRepository,
  options: CompareOptions = {},
) {
  const branches = (await theirs.listBranches()).sort();
  const tags = (await theirs.listTags()).sort();
  expect(await ours.listBranches()).toEqual(branches);
  expect(await ours.listTags()).toEqual(tags);
  const snapshots = new Set<string>();
  const refs = [...branches.map((b) => ({ branch: b })), ...tags.map((t) => ({ tag: t }))];
  for (const ref of refs) {
    const theirTip =
      "branch" in ref ? await theirs.lookupBranch(ref.branch) : await theirs.lookupTag(ref.tag);
    const ourTip =
      "branch" in ref ? await ours.lookupBranch(ref.branch) : await ours.lookupTag(ref.tag);
    expect(ourTip).toBe(theirTip);
    const theirAncestry = await theirs.ancestry(ref);
    const ourAncestry = await ours.ancestry(ref);
    expect(ourAncestry.map((s) => s.id)).toEqual(theirAncestry.map((s) => s.id));
    for (let i = 0; i < ourAncestry.length; i++) {
      const o = ourAncestry[i]!;
      const t = theirAncestry[i]!;
      expect(o.parentId ?? null).toEqual(t.parentId ?? null);
      expect(o.message).toBe(t.message);
      expect(JSON.parse(JSON.stringify(o.metadata))).toEqual(t.metadata ?? {});
      expect(o.writtenAt.getTime()).toBe(new Date(t.writtenAt).getTime());
      snapshots.add(o.id);
    }
  }
  let compared = 0;
  for (const id of snapshots) {
    if (options.maxSnapshots !== undefined && compared++ >= options.maxSnapshots) break;
    await compareSnapshot(ours, theirs, id, options);
  }
  return { branches, tags, snapshots: [...snapshots] };
}

export async function compareSnapshot(
  ours: OurRepository,
  theirs: TheirRepository,
  snapshotId: string,
  options: CompareOptions = {},
) {
  const o = await ours.readonlySession({ snapshotId });
  const t = await theirs.readonlySession({ snapshotId });
  const theirKeys = (await t.store.list()).sort();
  const ourKeys = (await o.store.list()).sort();
  expect(ourKeys).toEqual(theirKeys);
  for (const key of theirKeys) {
    if (options.skipBytes?.(key)) continue;
    let theirBytes: Uint8Array | null;
    try {
      theirBytes = await t.store.get(key);
    } catch (err) {
      // the official implementation could not read it (e.g. a virtual chunk on an unreachable server): neither may we
      await expect(o.store.get(key)).rejects.toSatisfy((e: unknown) => isIcechunkError(e));
      void err;
      continue;
    }
    const ourBytes = await o.store.get(key);
    expect(ourBytes === undefined ? null : Buffer.from(ourBytes).toString("hex"), key).toEqual(
      theirBytes === null ? null : Buffer.from(theirBytes).toString("hex"),
    );
  }
  return theirKeys.length;
}
