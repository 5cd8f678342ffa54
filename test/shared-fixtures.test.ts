/**
 * Tests that need the reference repositories of `../shared` say so in one clear error when they
 * are missing, instead of failing with ENOENT deep inside a test.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listReferenceRepos, makeTempDir, REFERENCE_REPOS_DIR } from "./support/tmp.js";

describe("reference repositories of ../shared", () => {
  it("a missing or empty fixtures directory is one error naming the path and the fix", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      for (const missing of [join(dir, "nope"), dir])
        expect(() => listReferenceRepos(missing)).toThrow(
          new RegExp(
            `reference repositories .* are missing: expected them in ${missing.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} .*ICECHUNK_REFERENCE_REPOS`,
          ),
        );
    } finally {
      await cleanup();
    }
  });

  it("lists the fixtures when they are there", () => {
    expect(listReferenceRepos(REFERENCE_REPOS_DIR)).toContain("test-repo-v2");
  });
});
