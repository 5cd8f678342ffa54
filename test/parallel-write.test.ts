/**
 * examples/parallel-write.ts: a piscina pool of 2 worker threads writes a small cube through forks
 * (fork → JSON → workers → merge) in one commit; every chunk exists, every value is right, and the
 * official implementation reads the same values.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Repository } from "@icechunk-ts/core";
import { localFilesystemStorage } from "@icechunk-ts/core/fs";
import { IcechunkStore } from "@icechunk-ts/zarrita";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import type { CubeSpec } from "../examples/parallel/cube.js";
import { expectCube, expectCubeByOracle } from "./support/cube.js";
import { makeTempDir } from "./support/tmp.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
// edges not multiples of the chunk shape; 1 KiB chunks (above the inline threshold: real chunk objects)
const SPEC: CubeSpec = { shape: [10, 12, 20], chunks: [4, 8, 8] };

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("examples/parallel-write.ts", () => {
  it("2 workers write every chunk through forks in one commit; the official implementation agrees", async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const repoDir = join(dir, "repo");
    const { stdout } = await run(
      join(ROOT, "node_modules/.bin/tsx"),
      [
        "--conditions=@icechunk-ts/source",
        join(ROOT, "examples/parallel-write.ts"),
        repoDir,
        "--workers",
        "2",
        "--shape",
        SPEC.shape.join(","),
        "--chunks",
        SPEC.chunks.join(","),
      ],
      { cwd: ROOT, timeout: 120_000 },
    );
    expect(stdout).toContain("(18 chunks of 4×8×8, 0.0 MiB) with 2 workers in one commit");
    expect(stdout).toMatch(/throughput: [\d.]+ MiB\/s, \d+ chunks\/s/);
    expect(stdout).toMatch(/fork JSON returned: \d+ bytes per changed chunk/);

    const repo = await Repository.open(localFilesystemStorage(repoDir));
    const history = await repo.ancestry({ branch: "main" });
    expect(history.map((s) => s.message)).toEqual(["cube 10×12×20", "Repository initialized"]);
    const session = await repo.readonlySession({ branch: "main" });
    for (let t = 0; t < 3; t++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++)
          expect(await session.chunkType(`cube/c/${t}/${y}/${x}`)).toBe("native");
    const ours = await zarr.get(
      await zarr.open.v3(zarr.root(new IcechunkStore(session)).resolve("cube"), { kind: "array" }),
    );
    expectCube(SPEC, ours.data as Float32Array);

    expect(await expectCubeByOracle(SPEC, repoDir)).toBe(2);
  });
});
