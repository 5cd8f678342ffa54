/**
 * Node names the session store accepts, decided the way the official implementation decides:
 * for generated hostile metadata keys (leading `/`, NUL, backslash, `..`, lone surrogates, very
 * long names, `c`, `zarr.json` as a name…) both stores see the same `set`; what upstream refuses
 * we refuse with `invalid-key`, what it accepts we accept and list under the same key — except
 * the keys we refuse on purpose: empty and `.` segments, which upstream stores verbatim as nodes
 * such as `/a//b` that no Zarr client can address, and lone UTF-16 surrogates.
 */
import { type IcechunkError, inMemoryStorage, Repository } from "@icechunk-ts/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadOracle, oracleStorage } from "./support/oracle.js";

const RUNS = Number(process.env.ICECHUNK_KEY_RUNS ?? 60);
const GROUP = new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}');

const piece = fc.oneof(
  fc.constantFrom("a", "b", "c", "0", "zarr.json", ".zarray", ".", "..", "", "~", "a b", "é", "𝄞"),
  fc.constantFrom("\u0000", "a\u0000b", "a\\b", "\\", "\n", "\ud800", "\udc00x", "*", "a:b"),
  fc.constantFrom("x".repeat(1000), "y".repeat(100_000)),
);
const name = fc
  .tuple(fc.boolean(), fc.array(piece, { minLength: 1, maxLength: 3 }))
  .map(([lead, parts]) => `${lead ? "/" : ""}${parts.join("/")}`);

/** Segments of the path part of a metadata key, as both implementations see them. */
const segmentsOf = (key: string) => key.replace(/^\//, "").split("/").slice(0, -1);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Keys we refuse although the binding accepts them: empty and `.` segments, and lone surrogates
 * (no UTF-8 form; the binding's string conversion garbles them, e.g. `\ud800/a` becomes `𐀯a`).
 */
const deliberatelyStricter = (key: string) =>
  LONE_SURROGATE.test(key) || segmentsOf(key).some((s) => s === "" || s === ".");

async function ours(key: string): Promise<{ ok: boolean; listed?: string[]; kind?: string }> {
  const repo = await Repository.create(inMemoryStorage());
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", GROUP);
  try {
    await s.store.set(key, GROUP);
  } catch (e) {
    return { ok: false, kind: (e as IcechunkError).kind };
  }
  await s.commit("hostile name");
  const r = await repo.readonlySession({ branch: "main" });
  return { ok: true, listed: (await r.store.list()).sort() };
}

async function theirs(key: string): Promise<{ ok: boolean; listed?: string[] }> {
  const oracle = await loadOracle();
  const repo = await oracle.Repository.create(await oracleStorage(inMemoryStorage()));
  const s = await repo.writableSession("main");
  await s.store.set("zarr.json", Buffer.from(GROUP));
  try {
    await s.store.set(key, Buffer.from(GROUP));
  } catch {
    return { ok: false };
  }
  return { ok: true, listed: (await s.store.list()).sort() };
}

describe("store keys: the same accept/refuse decision as the official implementation", () => {
  it("the names from the attack are decided as upstream decides them", async () => {
    for (const key of [
      "/a/zarr.json",
      "a\u0000b/zarr.json",
      "a\\b/zarr.json",
      `${"n".repeat(100_000)}/zarr.json`,
      "../zarr.json",
      "a/../zarr.json",
      "\ud800/zarr.json",
    ]) {
      const [o, t] = await Promise.all([ours(key), theirs(key)]);
      expect(o.ok, key.slice(0, 40)).toBe(t.ok);
      if (!o.ok) expect(o.kind).toBe("invalid-key");
    }
  }, 60_000);

  it("a move destination is validated as a key's path is", async () => {
    const repo = await Repository.create(inMemoryStorage());
    const s = await repo.writableSession("main");
    await s.store.set("zarr.json", GROUP);
    await s.store.set("a/zarr.json", GROUP);
    await s.commit("a");
    const r = await repo.rearrangeSession("main");
    for (const to of ["/\ud800", "/x/../y", "/x//y"])
      expect(() => r.moveNode("/a", to)).toThrow(expect.objectContaining({ kind: "invalid-key" }));
    r.moveNode("/a", "/a\u0000b"); // accepted, as upstream accepts NUL in names
  });

  it(`generated hostile metadata keys (${RUNS})`, async () => {
    const tally = { accepted: 0, refusedByBoth: 0, refusedByUsOnly: 0 };
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        const key = `${n}/zarr.json`;
        const [o, t] = await Promise.all([ours(key), theirs(key)]);
        if (!o.ok) expect(o.kind).toBe("invalid-key");
        if (!t.ok) {
          expect(o.ok, `upstream refuses ${JSON.stringify(key.slice(0, 60))}`).toBe(false);
          tally.refusedByBoth++;
        } else if (!o.ok) {
          expect(deliberatelyStricter(key), `we refuse ${JSON.stringify(key.slice(0, 60))}`).toBe(
            true,
          );
          tally.refusedByUsOnly++;
        } else {
          expect(o.listed).toEqual(t.listed);
          tally.accepted++;
        }
      }),
      { numRuns: RUNS, seed: 12 },
    );
    console.log(
      `store keys: ${tally.accepted} accepted by both, ${tally.refusedByBoth} refused by both, ` +
        `${tally.refusedByUsOnly} refused only by us (empty or '.' segments, lone surrogates)`,
    );
    expect(tally.refusedByBoth).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  }, 120_000);
});
