/**
 * @module bench/tools/make-manifest
 * Writes a case-3 repository (1,000,000 refs in one manifest) to a directory:
 * `<dir> [native|virtual]` (native refs by icechunk-ts, virtual refs by the official native build).
 */

import { buildNativeRefs, buildVirtualRefs } from "../cases/large-manifest.js";
import { nativeOrReason } from "../lib/anchors.js";

if (process.argv[3] === "virtual") {
  const { oracle, reason } = await nativeOrReason();
  if (!oracle) throw new Error(`the native build is unavailable: ${reason}`);
  await buildVirtualRefs(oracle, process.argv[2]!);
} else await buildNativeRefs(process.argv[2]!);
process.exit(0);
