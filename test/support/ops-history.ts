/**
 * @module test/support/ops-history
 * Histories for the repository-operation tests (expire, gc, migrate): commits by icechunk-ts and
 * by the official implementation with native (non-inline) chunks, a time cutoff between an old and
 * a new part of the history, and diff comparison against the oracle.
 */
import type { Repository } from "@icechunk-ts/core";
import { expect } from "vitest";
import type { Oracle } from "./oracle.js";

export type TheirRepository = Awaited<ReturnType<Oracle["Repository"]["open"]>>;

const enc = (s: string) => new TextEncoder().encode(s);
export const group = (attrs: object = {}) =>
  enc(JSON.stringify({ zarr_format: 3, node_type: "group", attributes: attrs }));
export const array = (attrs: object = {}) =>
  enc(
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: [64, 64],
      data_type: "uint8",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [32, 32] } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 0,
      codecs: [{ name: "bytes" }],
      attributes: attrs,
    }),
  );
/** 1024 bytes: above the inline threshold, so stored as a chunk object. */
export const chunk = (v: number) => new Uint8Array(1024).fill(v);

export type Op = [key: string, value: Uint8Array | null];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function commit(
  repo: Repository,
  branch: string,
  message: string,
  ops: Op[],
): Promise<string> {
  const s = await repo.writableSession(branch);
  for (const [k, v] of ops) {
    if (v === null) await s.store.delete(k);
    else await s.store.set(k, v);
  }
  return s.commit(message);
}

export async function theirCommit(
  repo: TheirRepository,
  branch: string,
  message: string,
  ops: Op[],
): Promise<string> {
  const s = await repo.writableSession(branch);
  for (const [k, v] of ops) {
    if (v === null) await s.store.delete(k);
    else await s.store.set(k, Buffer.from(v));
  }
  return s.commit(message);
}

export interface History {
  /** Old part (before `cutoff`). */
  c1: string;
  c2: string;
  c3: string;
  f1: string;
  /** New part. */
  c4: string;
  c5: string;
  f2: string;
  cutoff: Date;
}

/**
 * main: c1 → c2 (tag `t-old`) → c3 (by the official implementation when given) → | cutoff | → c4 → c5;
 * `feature` from c2: f1 → | → f2; `old-branch` at c1; `doomed` at c3.
 */
export async function buildHistory(
  ours: () => Promise<Repository>,
  theirs?: () => Promise<TheirRepository>,
): Promise<History> {
  let repo = await ours();
  const c1 = await commit(repo, "main", "c1", [
    ["zarr.json", group({ v: 1 })],
    ["a/zarr.json", array()],
    ["a/c/0/0", chunk(1)],
    ["a/c/0/1", chunk(2)],
    ["b/zarr.json", array()],
    ["b/c/1/1", chunk(3)],
  ]);
  const c2 = await commit(repo, "main", "c2", [
    ["a/c/0/0", chunk(4)],
    ["g/zarr.json", group()],
  ]);
  await repo.createTag("t-old", c2);
  await repo.createBranch("feature", c2);
  await repo.createBranch("old-branch", c1);
  const c3ops: Op[] = [
    ["b/zarr.json", null],
    ["a/c/1/1", chunk(5)],
    ["zarr.json", group({ v: 3 })],
  ];
  const c3 = theirs
    ? await theirCommit(await theirs(), "main", "c3", c3ops)
    : await commit(repo, "main", "c3", c3ops);
  repo = await ours();
  await repo.createBranch("doomed", c3);
  const f1 = await commit(repo, "feature", "f1", [
    ["f/zarr.json", array()],
    ["f/c/0/0", chunk(6)],
  ]);
  await sleep(60);
  const cutoff = new Date();
  await sleep(60);
  const c4 = await commit(repo, "main", "c4", [
    ["a/c/0/1", chunk(7)],
    ["g/h/zarr.json", group()],
  ]);
  const c5 = await commit(repo, "main", "c5", [
    ["g/zarr.json", null],
    ["a/c/1/0", chunk(8)],
  ]);
  const f2 = await commit(repo, "feature", "f2", [
    ["f/c/1/1", chunk(9)],
    ["a/zarr.json", array({ x: 1 })],
  ]);
  return { c1, c2, c3, f1, c4, c5, f2, cutoff };
}

const normalize = (d: unknown) => JSON.parse(JSON.stringify(d));

/** Our diff equals the official implementation's for `from → to` (both may also fail). */
export async function expectSameDiff(
  ours: Repository,
  theirs: TheirRepository,
  from: string,
  to: string,
) {
  const o = await ours.diff({ from: { snapshotId: from }, to: { snapshotId: to } }).then(
    (d) => ({ ok: normalize(d) }),
    (e: unknown) => ({ err: String(e).slice(0, 30) !== "" }),
  );
  const t = await theirs.diff({ fromSnapshotId: from, toSnapshotId: to }).then(
    (d) => ({ ok: normalize(d) }),
    (e: unknown) => ({ err: String(e).slice(0, 30) !== "" }),
  );
  expect(o, `diff ${from} → ${to}`).toEqual(t);
  return o;
}
