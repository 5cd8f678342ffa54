import { buildNativeRefs } from "../cases/large-manifest.js";

await buildNativeRefs(process.argv[2]!);
process.exit(0);
