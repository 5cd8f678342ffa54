/**
 * @module viewer/build
 * Builds the viewer page with Vite into a directory of static files (relative URLs, so it can be
 * served under any path). Workspace packages resolve to their TypeScript sources.
 */
import { build, defaultClientConditions } from "vite";

/** Builds the page into `outDir` (emptied first). */
export async function buildViewer(outDir: string): Promise<void> {
  await build({
    root: import.meta.dirname,
    base: "./",
    configFile: false,
    logLevel: "warn",
    resolve: { conditions: ["@icechunk-ts/source", ...defaultClientConditions] },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      reportCompressedSize: false,
      // zarrita's lazily loaded codec chunks (blosc, zstd) are large; they load only when used
      chunkSizeWarningLimit: 1024,
    },
  });
}
