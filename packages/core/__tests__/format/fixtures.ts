/**
 * @module __tests__/format/fixtures
 * Test support: enumerate the metadata files of the Rust-written reference repositories and
 * decompress their payloads with the `zstd` CLI (independent of our own zstd decoder).
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REFERENCE_REPOS_DIR } from "../../../../test/support/tmp.js";
import { FileType, HEADER_LENGTH } from "../../src/format/constants.js";
import { type FileHeader, parseHeader } from "../../src/format/header.js";
import { decodeManifest } from "../../src/format/manifest.js";
import { decodeRepoInfo } from "../../src/format/repo-info.js";
import { decodeSnapshot } from "../../src/format/snapshot.js";
import { decodeTransactionLog } from "../../src/format/transaction-log.js";

export const FIXTURES_ROOT = REFERENCE_REPOS_DIR;

export interface FixtureFile {
  repo: string;
  /** Key inside the repo, e.g. `snapshots/<id>`. */
  key: string;
  bytes: Uint8Array;
  header: FileHeader;
}

/** Every fixture repository directory name. */
export function fixtureRepos(): string[] {
  return readdirSync(FIXTURES_ROOT).sort();
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** All files of one kind (`snapshots`, `manifests`, `transactions`, `repo`) across all fixture repos. */
export function fixtureFiles(
  kind: "snapshots" | "manifests" | "transactions" | "repo",
): FixtureFile[] {
  const out: FixtureFile[] = [];
  for (const repo of fixtureRepos()) {
    const root = join(FIXTURES_ROOT, repo);
    const keys =
      kind === "repo"
        ? [
            ...(existsSync(join(root, "repo")) ? ["repo"] : []),
            ...listDir(join(root, "overwritten")).map((f) => `overwritten/${f}`),
          ]
        : listDir(join(root, kind)).map((f) => `${kind}/${f}`);
    for (const key of keys) {
      const bytes = new Uint8Array(readFileSync(join(root, key)));
      if (key.startsWith("overwritten/config.yaml")) continue;
      out.push({ repo, key, bytes, header: parseHeader(bytes, { path: key }) });
    }
  }
  return out;
}

/** Decompresses the payload with the system `zstd` binary. */
export function cliDecompress(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(
    execFileSync("zstd", ["-d", "-c", "-q"], { input: bytes.subarray(HEADER_LENGTH) }),
  );
}

export const KIND_FILE_TYPE = {
  snapshots: FileType.Snapshot,
  manifests: FileType.Manifest,
  transactions: FileType.TransactionLog,
  repo: FileType.RepoInfo,
} as const;

export type Kind = "snapshots" | "manifests" | "transactions" | "repo";

/** Decodes and touches every accessor so lazy views read the whole buffer. */
export function walkPayload(kind: Kind, payload: Uint8Array, spec: 1 | 2): void {
  if (kind === "snapshots") {
    const v = decodeSnapshot(payload, spec);
    void [v.id, v.parentId, v.flushedAt, v.message, v.metadata, v.manifestFiles];
    for (const n of v.nodes()) {
      v.getNode(n.path);
      for (const _ of v.nodesUnder(n.path));
    }
  } else if (kind === "manifests") {
    const v = decodeManifest(payload, spec);
    void v.id;
    for (const id of v.nodeIds()) {
      v.numRefs(id);
      for (const [c] of v.refs(id)) v.getChunkRef(id, c);
      v.getChunkRef(id, [1, 2, 3]);
    }
  } else if (kind === "transactions") {
    decodeTransactionLog(payload, spec);
  } else {
    decodeRepoInfo(payload);
  }
}
