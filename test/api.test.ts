/**
 * Public API contract: named exports only, the names users rely on, and nothing Node-only
 * reachable from the browser entry points (`@icechunk-ts/core`, `@icechunk-ts/zarrita`).
 */
import { join } from "node:path";
import * as core from "@icechunk-ts/core";
import * as adapter from "@icechunk-ts/zarrita";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

describe("public API", () => {
  it("core exports the documented entry points, named only", () => {
    expect("default" in core).toBe(false);
    for (const name of [
      "Repository",
      "Session",
      "SessionStore",
      "inMemoryStorage",
      "httpStorage",
      "redirectStorage",
      "withCounting",
      "withLatency",
      "isIcechunkError",
      "IcechunkError",
      "ConflictError",
      "BasicConflictSolver",
      "ConflictDetector",
      "httpVirtualChunkFetcher",
      "s3AnonymousVirtualChunkFetcher",
      "upgradeRepository",
      "INITIAL_SNAPSHOT_ID",
      "pureZstdCodec",
    ])
      expect(core, name).toHaveProperty(name);
    expect(Object.keys(adapter)).toEqual(["IcechunkStore"]);
  });

  it("the browser entry points bundle without Node built-ins", async () => {
    for (const entry of ["packages/core/src/index.ts", "packages/zarrita/src/index.ts"]) {
      const out = await build({
        entryPoints: [join(ROOT, entry)],
        bundle: true,
        platform: "browser",
        format: "esm",
        write: false,
        external: ["zarrita"],
        conditions: ["@icechunk-ts/source"],
        logLevel: "silent",
      });
      expect(out.errors).toEqual([]);
      expect(out.outputFiles[0]!.text).not.toMatch(/from\s+["']node:/);
    }
  });

  it("the fs entry point is Node-only and separate", async () => {
    const fs = await import("@icechunk-ts/core/fs");
    expect(Object.keys(fs).sort()).toEqual([
      "fileVirtualChunkFetcher",
      "localFilesystemStorage",
      "nodeHttpFetch",
      "nodeZstdCodec",
    ]);
    expect("localFilesystemStorage" in core).toBe(false);
    expect("nodeHttpFetch" in core).toBe(false);
  });
});
