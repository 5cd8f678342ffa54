import { describe, expect, test } from "vitest";
import { WeightedLru } from "../../src/util/lru.js";

describe("WeightedLru", () => {
  test("a set replaces the cached copy, and supersedes a load still in flight", async () => {
    const lru = new WeightedLru<string, string>(10);
    lru.set("k", "old");
    lru.set("k", "new");
    expect(lru.get("k")).toBe("new");

    let release!: (v: string) => void;
    const loading = lru.getOrLoad("x", () => new Promise<string>((r) => (release = r)));
    lru.set("x", "written");
    release("stale read");
    expect(await loading).toBe("stale read");
    expect(lru.get("x"), "the write wins over the older read").toBe("written");
    expect(await lru.getOrLoad("x", async () => "never")).toBe("written");
  });

  test("a delete during a load keeps the loaded value out of the cache", async () => {
    const lru = new WeightedLru<string, string>(10);
    let release!: (v: string) => void;
    const loading = lru.getOrLoad("x", () => new Promise<string>((r) => (release = r)));
    lru.delete("x");
    release("v");
    expect(await loading).toBe("v");
    expect(lru.get("x")).toBeUndefined();
  });
});
