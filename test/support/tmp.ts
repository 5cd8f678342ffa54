/**
 * @module test/support/tmp
 * Temporary directories for tests, and copying the read-only reference fixtures into them.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the read-only reference repositories written by the Rust implementation. */
export const REFERENCE_REPOS_DIR =
  process.env.ICECHUNK_REFERENCE_REPOS ??
  resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/fixtures/reference-repos");

/** A fresh temp directory and a function removing it. */
export async function makeTempDir(
  prefix = "icechunk-ts-",
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies reference fixture `name` into a fresh temp dir (fixtures are never modified in place). */
export async function copyFixture(
  name: string,
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const tmp = await makeTempDir(`icechunk-fixture-${name}-`);
  const dir = join(tmp.dir, name);
  await cp(join(REFERENCE_REPOS_DIR, name), dir, { recursive: true });
  return { dir, cleanup: tmp.cleanup };
}
