/** @module bench/tools/make-manifest — writes the case-3 repository (1,000,000 native refs in one manifest) to a directory. */
import { buildNativeRefs } from "../cases/large-manifest.js";

await buildNativeRefs(process.argv[2]!);
process.exit(0);
