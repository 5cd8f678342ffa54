/**
 * @module test/support/tmp
 * Temporary directories for tests, and copying the read-only reference fixtures into them.
 */
import { readdirSync, statSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the read-only reference repositories written by the Rust implementation. */
export const REFERENCE_REPOS_DIR =
  process.env.ICECHUNK_REFERENCE_REPOS ??
  resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/fixtures/reference-repos");

/**
 * The reference fixture names, sorted. Throws one clear error when the fixtures are missing (the
 * `../shared` checkout next to this repository), naming the path and how to point at another.
 */
export function listReferenceRepos(dir = REFERENCE_REPOS_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
  } catch {
    names = [];
  }
  if (names.length === 0)
    throw new Error(
      `the reference repositories written by the Rust implementation are missing: expected them in ${dir} ` +
        "(../shared/fixtures/reference-repos, next to this checkout). These tests need them: put the shared " +
        "checkout there, or set ICECHUNK_REFERENCE_REPOS=<directory holding the fixtures>",
    );
  return names.sort();
}

/** The path of reference fixture `name` (read-only: copy it with {@link copyFixture} before writing). */
export function referenceRepoPath(name: string): string {
  if (!listReferenceRepos().includes(name))
    throw new Error(
      `reference repository '${name}' is missing from ${REFERENCE_REPOS_DIR}; update the ../shared checkout`,
    );
  return join(REFERENCE_REPOS_DIR, name);
}

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
  await cp(referenceRepoPath(name), dir, { recursive: true });
  return { dir, cleanup: tmp.cleanup };
}
