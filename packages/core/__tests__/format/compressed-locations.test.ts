/**
 * Manifests whose virtual locations are zstd-dictionary compressed (icechunk-format.md §6.4).
 * The dictionary is trained with the `zstd` CLI (`ZDICT_trainFromBuffer`, as Rust does) and each
 * location is compressed with it; the manifest is then built field by field with our builder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import { FlatBufferBuilder } from "../../src/format/flatbuffers/builder.js";
import { idToBytes, type NodeId, newManifestId, newNodeId } from "../../src/format/ids.js";
import { decodeManifest } from "../../src/format/manifest.js";

const location = (i: number) =>
  `s3://my-bucket/some/prefix/data/file-${String(i * 37).padStart(5, "0")}.nc`;
let dir: string;
let dictionary: Uint8Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "icts-dict-"));
  const samples: string[] = [];
  for (let i = 0; i < 300; i++) {
    const f = join(dir, `s${i}`);
    writeFileSync(f, location(i));
    samples.push(f);
  }
  execFileSync("zstd", ["-q", "--train", ...samples, "--maxdict=2048", "-o", join(dir, "dict")]);
  dictionary = new Uint8Array(readFileSync(join(dir, "dict")));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compress(text: string): Uint8Array {
  return new Uint8Array(
    execFileSync("zstd", ["-q", "-c", "-D", join(dir, "dict")], { input: text }),
  );
}

function buildManifest(
  nodeId: NodeId,
  n: number,
  options: { withDictionary: boolean },
): Uint8Array {
  const b = new FlatBufferBuilder();
  const refs = Array.from({ length: n }, (_, i) => {
    const index = b.createU32Vector([i]);
    const compressed = b.createBytes(compress(location(i)));
    b.startTable(10);
    b.fieldU64(2, i * 100, 0);
    b.fieldU64(3, 100, 0);
    b.fieldOffset(0, index);
    b.fieldOffset(8, compressed);
    b.fieldU32(7, i === 0 ? 1_700_000_000 : 0, 0);
    return b.endTable();
  });
  const refsVec = b.createOffsetVector(refs);
  b.startTable(3);
  b.fieldOffset(1, refsVec);
  b.fieldStruct(0, idToBytes(nodeId, 8));
  const array = b.endTable();
  const arrays = b.createOffsetVector([array]);
  const dict = options.withDictionary ? b.createBytes(dictionary) : undefined;
  b.startTable(5);
  b.fieldOffset(1, arrays);
  b.fieldOffset(2, dict);
  b.fieldStruct(0, idToBytes(newManifestId(), 12));
  return b.finish(b.endTable(), "Ichk");
}

describe("compressed virtual locations", () => {
  test("decompress with the manifest's dictionary", () => {
    const nodeId = newNodeId();
    const view = decodeManifest(buildManifest(nodeId, 20, { withDictionary: true }), 2);
    expect(view.getChunkRef(nodeId, [0])).toEqual({
      kind: "virtual",
      location: location(0),
      offset: 0,
      length: 100,
      checksum: { lastModified: 1_700_000_000 },
    });
    const all = [...view.refs(nodeId)];
    expect(all).toHaveLength(20);
    for (const [[i], p] of all)
      expect(p).toMatchObject({ kind: "virtual", location: location(i), offset: i * 100 });
  });

  test("without a dictionary the ref is corrupt (typed error)", () => {
    const nodeId = newNodeId();
    const view = decodeManifest(buildManifest(nodeId, 2, { withDictionary: false }), 2, {
      path: "manifests/X",
    });
    expect(() => view.getChunkRef(nodeId, [1])).toThrow(
      expect.objectContaining({
        kind: "corrupt-object",
        message: expect.stringContaining("dictionary"),
      }),
    );
  });

  test("a damaged compressed location raises a typed error", () => {
    const nodeId = newNodeId();
    const bytes = buildManifest(nodeId, 1, { withDictionary: true });
    const frame = compress(location(0));
    const at = Buffer.from(bytes).indexOf(Buffer.from(frame));
    expect(at).toBeGreaterThan(0);
    for (let k = 4; k < frame.length; k++) {
      const damaged = bytes.slice();
      damaged[at + k] ^= 0xff;
      try {
        decodeManifest(damaged, 2).getChunkRef(nodeId, [0]);
      } catch (err) {
        expect(isIcechunkError(err)).toBe(true);
      }
    }
  });
});
