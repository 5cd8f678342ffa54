import { tempDir, writeGridRepo, cleanupTempDirs } from "./lib/data.js";
for (let i = 0; i < 2; i++) {
  const dir = await tempDir("pw");
  const t = performance.now();
  await writeGridRepo(dir);
  console.log("write", performance.now() - t);
}
await cleanupTempDirs();
process.exit(0);
