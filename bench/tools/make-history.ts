/** @module bench/tools/make-history — writes the case-5 repository to a directory and prints an old snapshot id. */
import { buildHistory } from "../cases/long-history.js";

const ids = await buildHistory(process.argv[2]!);
console.log(ids[9]);
process.exit(0);
