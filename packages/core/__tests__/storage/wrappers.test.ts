/** @module __tests__/storage/wrappers.test */
import { describe, expect, it } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { inMemoryStorage } from "../../src/storage/memory.js";
import { withCounting, withLatency } from "../../src/storage/wrappers.js";
import { describeStorageConformance, listKeys } from "./conformance.js";

describeStorageConformance(
  "withCounting(memory)",
  async () => ({ storage: withCounting(inMemoryStorage()) }),
  {
    manyKeys: 1001,
  },
);
describeStorageConformance(
  "withLatency(memory, 1)",
  async () => ({ storage: withLatency(inMemoryStorage(), 1) }),
  {
    manyKeys: 1001,
  },
);

const b = (s: string) => new TextEncoder().encode(s);

describe("withCounting", () => {
  it("counts per operation and first key segment", async () => {
    const s = withCounting(inMemoryStorage());
    await s.put("snapshots/A", b("a"));
    await s.put("snapshots/B", b("b"));
    await s.get("snapshots/A");
    await s.get("repo");
    await s.getIfModified!("repo", { etag: "x" });
    await s.copy("snapshots/A", "overwritten/x");
    await s.delete(["snapshots/A", "snapshots/B"]);
    await s.lastModified("repo");
    await listKeys(s, "snapshots");
    expect(s.count()).toBe(10);
    expect(s.count({ operation: "put" })).toBe(2);
    expect(s.count({ operation: "get" })).toBe(2);
    expect(s.count({ prefix: "snapshots" })).toBe(6);
    expect(s.count({ prefix: "overwritten" })).toBe(1);
    expect(s.count({ operation: "get", prefix: "repo" })).toBe(1);
    expect(s.counts.byOperation).toEqual({
      put: 2,
      get: 2,
      getIfModified: 1,
      copy: 1,
      delete: 2,
      lastModified: 1,
      list: 1,
    });
    s.reset();
    expect(s.count()).toBe(0);
    expect(s.counts.byPrefix).toEqual({});
  });
});

describe("withLatency", () => {
  it("can be aborted while waiting", async () => {
    const s = withLatency(inMemoryStorage(), 10_000);
    const ac = new AbortController();
    const p = s.put("k", b("x"), { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toSatisfy((e) => isIcechunkError(e, "aborted"));
  });
});
