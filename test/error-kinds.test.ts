/**
 * Error kinds are a literal union: `isIcechunkError(err, kind)` narrows to the kind's class, and a
 * kind that does not exist is a compile error (the `@ts-expect-error` lines below are checked by
 * `pnpm typecheck`, which fails if a misspelled kind ever compiles). The runtime half checks that
 * former catch-all failures now carry specific kinds and fields.
 */
import {
  CannotDeleteMainBranchError,
  ConflictError,
  type IcechunkErrorKind,
  type IcechunkErrorMap,
  InvalidVersionError,
  inMemoryStorage,
  isIcechunkError,
  NoChangesToCommitError,
  Repository,
  SessionModeError,
  SpecVersionRequiredError,
} from "@icechunk-ts/core";
import { S3ConfigError, s3Storage } from "@icechunk-ts/s3";
import { describe, expect, expectTypeOf, it } from "vitest";
import { group } from "./support/zarr-json.js";

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("error kinds", () => {
  it("type level: kinds are a checked union that narrows to the class", () => {
    const err: unknown = new ConflictError("main", "A", "B");
    // @ts-expect-error "conflict" is not a kind (the kind is "commit-conflict")
    isIcechunkError(err, "conflict");
    // @ts-expect-error kinds are checked in every position, not only the first
    isIcechunkError(err, "commit-conflict", "not-a-kind");
    if (isIcechunkError(err, "commit-conflict")) {
      expectTypeOf(err).toEqualTypeOf<ConflictError>();
      expectTypeOf(err.branch).toEqualTypeOf<string>();
    }
    if (isIcechunkError(err, "commit-conflict", "cannot-delete-main-branch"))
      expectTypeOf(err).toEqualTypeOf<ConflictError | CannotDeleteMainBranchError>();
    // other packages register their kinds by augmenting IcechunkErrorMap
    if (isIcechunkError(err, "s3-config")) expectTypeOf(err).toEqualTypeOf<S3ConfigError>();
    // every registered class carries its own kind
    type Mismatched = {
      [K in IcechunkErrorKind]: IcechunkErrorMap[K]["kind"] extends K ? never : K;
    }[IcechunkErrorKind];
    expectTypeOf<Mismatched>().toEqualTypeOf<never>();
  });

  it("runtime: narrows only on the given kinds", async () => {
    const err = new ConflictError("main", "A", "B");
    expect(isIcechunkError(err)).toBe(true);
    expect(isIcechunkError(err, "commit-conflict")).toBe(true);
    expect(isIcechunkError(err, "ref-not-found", "commit-conflict")).toBe(true);
    expect(isIcechunkError(err, "ref-not-found")).toBe(false);
    expect(isIcechunkError(new Error("x"))).toBe(false);
    const s3 = await caught(() => s3Storage({ bucket: "b", endpointUrl: "http://127.0.0.1:1" }));
    expect(s3).toBeInstanceOf(S3ConfigError);
    expect(isIcechunkError(s3, "s3-config")).toBe(true);
  });

  it("former catch-alls are specific, structured errors", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const main = await caught(repo.deleteBranch("main"));
    expect(main).toBeInstanceOf(CannotDeleteMainBranchError);

    const empty = await caught((await repo.writableSession("main")).commit("nothing"));
    expect(empty).toBeInstanceOf(NoChangesToCommitError);
    expect((empty as Error).message).toMatch(/allowEmpty/);

    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    const fork = await s.fork();
    const mode = await caught(fork.commit("from a fork"));
    expect(mode).toBeInstanceOf(SessionModeError);
    expect(mode).toMatchObject({ operation: "commit", mode: "fork" });
    expect((mode as Error).message).toMatch(/merge it into a branch session/);

    const v1 = await Repository.create(inMemoryStorage(), { specVersion: 1 });
    const spec = await caught(v1.opsLog());
    expect(spec).toBeInstanceOf(SpecVersionRequiredError);
    expect(spec).toMatchObject({ requiredSpecVersion: 2, specVersion: 1 });
    expect((spec as Error).message).toMatch(/upgradeRepository/);
  });
});

describe("versions", () => {
  it("a branch name is a version everywhere a version is taken, as in the official binding", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", group());
    const id = await s.commit("root");
    await repo.createBranch("dev", id);
    expect((await repo.readonlySession("main")).snapshotId).toBe(id);
    expect((await repo.readonlySession("dev")).snapshotId).toBe(id);
    expect((await repo.ancestry("main"))[0]?.id).toBe(id);
    expect(await repo.resolveVersion("main")).toBe(id);
    const diff = await repo.diff({
      from: { snapshotId: (await repo.ancestry("main"))[1]!.id },
      to: "main",
    });
    expect(diff.newGroups).toEqual(["/"]);
    const missing = await caught(repo.readonlySession("nope"));
    expect(isIcechunkError(missing, "ref-not-found")).toBe(true);
  });

  it("anything else is refused with a typed error that shows the right call", async () => {
    const repo = await Repository.create(inMemoryStorage());
    for (const bad of [42, null, {}, { branch: 1 }, ["main"]]) {
      const err = await caught(repo.readonlySession(bad as never));
      expect(err, JSON.stringify(bad)).toBeInstanceOf(InvalidVersionError);
      expect((err as Error).message).toMatch(/\{ tag: "v1" \}/);
    }
  });
});
