/** @module __tests__/storage/memory.test */
import { describe, expect, it } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { inMemoryStorage } from "../../src/storage/memory.js";
import { describeStorageConformance } from "./conformance.js";

describeStorageConformance("memory", async () => ({ storage: inMemoryStorage() }));

describe("inMemoryStorage specifics", () => {
  it("rejects unsafe keys with InvalidKeyError", async () => {
    const s = inMemoryStorage();
    for (const key of ["", "/abs", "a//b", "a/../b", "./a", "a\\b", "a\0b", "a/"]) {
      await expect(s.put(key, new Uint8Array(1))).rejects.toSatisfy((e) =>
        isIcechunkError(e, "invalid-key"),
      );
    }
  });

  it("isolates stored bytes from later mutation of the caller's buffer", async () => {
    const s = inMemoryStorage();
    const buf = new Uint8Array([1, 2, 3]);
    await s.put("k", buf);
    buf[0] = 9;
    const got = await s.get("k");
    expect(got?.data).toEqual(new Uint8Array([1, 2, 3]));
    got!.data[1] = 9;
    expect((await s.get("k"))?.data).toEqual(new Uint8Array([1, 2, 3]));
  });
});
