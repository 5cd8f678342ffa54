import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/** Workspace packages resolve to their TypeScript sources (no build needed to test). */
const SOURCE = "@icechunk-ts/source";
/** Vitest's own server default: Vite's without "module" (packages' Node builds, not bundler ones). */
const SERVER = defaultServerConditions.filter((c) => c !== "module");

export default defineConfig({
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE, ...SERVER] } },
  test: {
    include: ["packages/*/__tests__/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { NAPI_RS_FORCE_WASI: "error", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
