#!/usr/bin/env node
/**
 * The `icechunk-ts` command. Ctrl-C aborts the running operation (a second one exits at once).
 */
import { processIO } from "./io.js";
import { runCli } from "./program.js";

const controller = new AbortController();
process.once("SIGINT", () => {
  controller.abort();
  process.once("SIGINT", () => process.exit(130));
});
process.exitCode = await runCli(process.argv.slice(2), processIO(controller.signal));
