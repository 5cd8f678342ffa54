import { describe, expect, it } from "vitest";
import { rustRegex } from "../../src/util/rust-regex.js";

describe("Rust-syntax regexes from repository configs", () => {
  it("turns leading inline flags into RegExp flags", () => {
    expect(rustRegex("(?i)^time$").test("TIME")).toBe(true);
    expect(rustRegex("^time$").test("TIME")).toBe(false);
    expect(rustRegex("(?is)^a.b$").test("A\nB")).toBe(true);
    expect(rustRegex("(?m)^b$").test("a\nb")).toBe(true);
    expect(rustRegex(String.raw`^\bt\b$`).test("t")).toBe(true);
  });

  it("refuses what JavaScript cannot express or compile", () => {
    expect(() => rustRegex("(?x)a b")).toThrow(SyntaxError);
    expect(() => rustRegex("(unclosed")).toThrow(SyntaxError);
  });
});
