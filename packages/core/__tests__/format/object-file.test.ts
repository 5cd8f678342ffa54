import { describe, expect, test } from "vitest";
import { isIcechunkError } from "../../src/errors.js";
import {
  FileType,
  HEADER_LENGTH,
  IMPLEMENTATION_NAME,
  SPEC_VERSION_OFFSET,
} from "../../src/format/constants.js";
import { decodeManifest } from "../../src/format/manifest.js";
import { decodeObjectFile, encodeObjectFile } from "../../src/format/object-file.js";
import { decodeRepoInfo } from "../../src/format/repo-info.js";
import { decodeSnapshot, encodeSnapshot } from "../../src/format/snapshot.js";
import { decodeTransactionLog } from "../../src/format/transaction-log.js";
import { cliDecompress, fixtureFiles, KIND_FILE_TYPE } from "./fixtures.js";
import { snapshotData } from "./materialize.js";

const kinds = ["snapshots", "manifests", "transactions", "repo"] as const;

describe("object files", () => {
  test("every reference-repo file decodes with our zstd to the same payload as the zstd CLI", () => {
    for (const kind of kinds) {
      for (const f of fixtureFiles(kind)) {
        const { header, payload } = decodeObjectFile(f.bytes, KIND_FILE_TYPE[kind], {
          path: f.key,
        });
        expect(header).toEqual(f.header);
        expect(payload).toEqual(cliDecompress(f.bytes));
        expect(new TextDecoder().decode(payload.subarray(4, 8))).toBe("Ichk");
        if (kind === "snapshots") decodeSnapshot(payload, header.specVersion);
        if (kind === "manifests") decodeManifest(payload, header.specVersion);
        if (kind === "transactions") decodeTransactionLog(payload, header.specVersion);
        if (kind === "repo") decodeRepoInfo(payload);
      }
    }
  });

  test("files we encode carry our header and decompress with the zstd CLI", () => {
    const f = fixtureFiles("snapshots").find(
      (s) => s.header.specVersion === 2 && s.bytes.length > 300,
    );
    if (f === undefined) throw new Error("fixture missing");
    const payload = encodeSnapshot(snapshotData(decodeSnapshot(cliDecompress(f.bytes), 2)), 2);
    const file = encodeObjectFile(FileType.Snapshot, 2, payload);
    expect(file[HEADER_LENGTH]).toBe(0x28);
    expect(cliDecompress(file)).toEqual(payload);
    const back = decodeObjectFile(file, FileType.Snapshot);
    expect(back.header).toEqual({
      specVersion: 2,
      fileType: FileType.Snapshot,
      compression: 1,
      implementation: IMPLEMENTATION_NAME,
    });
    expect(back.payload).toEqual(payload);
  });

  test("rejects a file of another type, an unsupported spec, no compression and bad frames", () => {
    const payload = new Uint8Array(100).fill(7);
    const file = encodeObjectFile(FileType.Manifest, 1, payload);
    const expectKind = (bytes: Uint8Array, type: FileType, kind: string) => {
      try {
        decodeObjectFile(bytes, type, { path: "x/y" });
        expect.unreachable();
      } catch (err) {
        expect(isIcechunkError(err, kind)).toBe(true);
      }
    };
    expect(decodeObjectFile(file, FileType.Manifest).payload).toEqual(payload);
    expectKind(file, FileType.Snapshot, "file-type-mismatch");
    expectKind(
      Uint8Array.from(file, (b, i) => (i === SPEC_VERSION_OFFSET ? 3 : b)),
      FileType.Manifest,
      "unsupported-spec-version",
    );
    expectKind(
      Uint8Array.from(file, (b, i) => (i === HEADER_LENGTH - 1 ? 0 : b)),
      FileType.Manifest,
      "corrupt-object",
    );
    expectKind(file.subarray(0, HEADER_LENGTH + 3), FileType.Manifest, "corrupt-object");
    expectKind(file.subarray(0, 20), FileType.Manifest, "corrupt-object");
    expectKind(
      Uint8Array.from(file, (b, i) => (i === HEADER_LENGTH ? 0 : b)),
      FileType.Manifest,
      "corrupt-object",
    );
  });

  test("maxSize caps the decompressed payload", () => {
    const file = encodeObjectFile(FileType.Manifest, 2, new Uint8Array(5000));
    expect(() => decodeObjectFile(file, FileType.Manifest, { maxSize: 1000 })).toThrow(
      expect.objectContaining({ kind: "corrupt-object" }),
    );
    expect(decodeObjectFile(file, FileType.Manifest, { maxSize: 5000 }).payload.length).toBe(5000);
  });
});
