import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorruptObjectError } from "../../src/errors.js";
import type { JsonValue } from "../../src/format/json-value.js";
import { parseYamlConfig, stringifyYamlConfig } from "../../src/format/yaml.js";
import { FIXTURES } from "./value-fixtures.js";

const configs = readdirSync(FIXTURES)
  .map((d) => join(FIXTURES, d, "config.yaml"))
  .filter((p) => existsSync(p));

describe("parseYamlConfig on serde_yaml_ng output (fixtures)", () => {
  it("finds the fixture config files", () => {
    expect(configs.length).toBeGreaterThanOrEqual(5);
  });

  it.each(configs)("%s parses and re-stringifies to the same text", (path) => {
    const text = readFileSync(path, "utf8");
    const value = parseYamlConfig(text);
    expect(value).toMatchObject({ inline_chunk_threshold_bytes: 12 });
    expect(stringifyYamlConfig(value)).toBe(text);
  });

  it("reads enum tags as one-key maps (test-repo-v1)", () => {
    const v = parseYamlConfig(
      readFileSync(join(FIXTURES, "test-repo-v1/config.yaml"), "utf8"),
    ) as Record<string, JsonValue>;
    expect(v.compression).toBeNull();
    expect(v.virtual_chunk_containers).toEqual({
      tigris: {
        name: "tigris",
        url_prefix: "tigris",
        store: {
          tigris: {
            region: null,
            endpoint_url: "https://fly.storage.tigris.dev",
            anonymous: false,
            allow_http: false,
          },
        },
      },
      az: { name: "az", url_prefix: "az", store: { azure: {} } },
      file: { name: "file", url_prefix: "file", store: { local_file_system: "" } },
      gcs: { name: "gcs", url_prefix: "gcs", store: { gcs: {} } },
      s3: {
        name: "s3",
        url_prefix: "s3://testbucket",
        store: {
          s3_compatible: {
            region: "us-east-1",
            endpoint_url: "http://localhost:4200",
            anonymous: false,
            allow_http: true,
            force_path_style: true,
          },
        },
      },
    });
  });

  it("reads compact nested sequences and tagged items (split-repo-v1)", () => {
    const v = parseYamlConfig(readFileSync(join(FIXTURES, "split-repo-v1/config.yaml"), "utf8"));
    expect(v).toMatchObject({
      manifest: {
        preload: null,
        splitting: {
          split_sizes: [
            [
              { name_matches: { regex: "split_*" } },
              [
                { condition: { Axis: 0 }, num_chunks: 1 },
                { condition: { DimensionName: "longitude" }, num_chunks: 1 },
                { condition: "Any", num_chunks: 3 },
              ],
            ],
          ],
        },
      },
    });
  });
});

describe("parseYamlConfig scalars and forms", () => {
  it("resolves plain and quoted scalars", () => {
    const v = parseYamlConfig(
      [
        "# comment",
        "---",
        "a: ~",
        "b: Null",
        "c: TRUE",
        "d: -12",
        "e: 0x1F",
        "f: 1.5e3",
        "g: .inf",
        "h: 'it''s # not a comment'",
        '"q k": "tab\\there \\u00e9 \\x41"',
        "i: plain text # trailing comment",
        "j: 18446744073709551615",
        "k: {}",
        "l: []",
        "m: [1, 'two', {x: null}]",
        "n: |-",
        "  line one",
        "",
        "  line two",
        "o:",
        "- 1",
        "- - 2",
        "  - 3",
        "p: !Included 1000",
        "r: !name_matches",
        "  regex: a.*",
      ].join("\n"),
    );
    expect(v).toEqual({
      a: null,
      b: null,
      c: true,
      d: -12,
      e: 31,
      f: 1500,
      g: Infinity,
      h: "it's # not a comment",
      "q k": "tab\there é A",
      i: "plain text",
      j: 18446744073709551615n,
      k: {},
      l: [],
      m: [1, "two", { x: null }],
      n: "line one\n\nline two",
      o: [1, [2, 3]],
      p: { Included: 1000 },
      r: { name_matches: { regex: "a.*" } },
    });
  });

  it("rejects YAML outside the subset with CorruptObjectError", () => {
    const bad = [
      "a: &x 1\nb: *x",
      "a:\n\tb: 1",
      "a: 1\n  b: 2",
      "a: 1\na: 2",
      "a: >\n  folded",
      "a: 'open",
      "a: [1, 2",
      "? complex\n: key",
      "%YAML 1.2\n---\na: 1",
      "a: 1\n---\nb: 2\n---\nc: 3",
      'a: "bad \\q escape"',
    ];
    for (const text of bad) expect(() => parseYamlConfig(text), text).toThrow(CorruptObjectError);
  });
});

describe("stringifyYamlConfig", () => {
  it("writes serde_yaml_ng's shape, with enum tags at config enum positions", () => {
    const text = stringifyYamlConfig({
      inline_chunk_threshold_bytes: 12,
      virtual_chunk_containers: {
        "s3://b/": {
          name: null,
          url_prefix: "s3://b/",
          store: { s3: { region: "x", anonymous: true } },
        },
        "file:///d/": { name: "", url_prefix: "file:///d/", store: { local_file_system: "" } },
      },
      manifest: {
        preload: { preload_if: { or: [{ num_refs: { from: "Unbounded", to: { Excluded: 5 } } }] } },
      },
      storage: { storage_class: "null", list: ["a: b", "-x", "1", "", "multi\nline"] },
    });
    expect(text).toBe(
      [
        "inline_chunk_threshold_bytes: 12",
        "virtual_chunk_containers:",
        "  s3://b/:",
        "    name: null",
        "    url_prefix: s3://b/",
        "    store: !s3",
        "      region: x",
        "      anonymous: true",
        "  file:///d/:",
        "    name: ''",
        "    url_prefix: file:///d/",
        "    store: !local_file_system ''",
        "manifest:",
        "  preload:",
        "    preload_if: !or",
        "      - !num_refs",
        "        from: Unbounded",
        "        to: !Excluded 5",
        "storage:",
        "  storage_class: 'null'",
        "  list:",
        "  - 'a: b'",
        "  - '-x'",
        "  - '1'",
        "  - ''",
        '  - "multi\\nline"',
        "",
      ].join("\n"),
    );
    expect(parseYamlConfig(text)).toEqual({
      inline_chunk_threshold_bytes: 12,
      virtual_chunk_containers: {
        "s3://b/": {
          name: null,
          url_prefix: "s3://b/",
          store: { s3: { region: "x", anonymous: true } },
        },
        "file:///d/": { name: "", url_prefix: "file:///d/", store: { local_file_system: "" } },
      },
      manifest: {
        preload: { preload_if: { or: [{ num_refs: { from: "Unbounded", to: { Excluded: 5 } } }] } },
      },
      storage: { storage_class: "null", list: ["a: b", "-x", "1", "", "multi\nline"] },
    });
  });

  it("round-trips arbitrary config-like values (property)", () => {
    const key = fc.string({ unit: "binary", maxLength: 10 });
    const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc
        .bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n })
        .filter((b) => b > 2n ** 53n || b < -(2n ** 53n)),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constantFrom(
        "null",
        "~",
        "true",
        "0x1",
        "- x",
        "a: b",
        "#",
        "'q'",
        "s3://x/",
        " lead",
        "x #y",
        "[a]",
      ),
    );
    const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalar,
        fc.array(tie("v"), { maxLength: 5 }),
        fc.dictionary(key, tie("v"), { maxKeys: 5 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(parseYamlConfig(stringifyYamlConfig(v))).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });
});
