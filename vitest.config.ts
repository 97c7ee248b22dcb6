import { defineConfig } from "vitest/config";

/**
 * The API files the team project runs again on PostgreSQL + S3. Left out: those that look inside the data dir's
 * SQLite file or blobs/ (blob-cleanup, persistence, function-persistence, http's file checks), which the team
 * backend does not have.
 */
const TEAM_API_FILES = [
  "test/api/account-settings.test.ts",
  "test/api/aliases.test.ts",
  "test/api/concurrency.test.ts",
  "test/api/cross-account.test.ts",
  "test/api/event-invoke-config.test.ts",
  "test/api/explorer-api.test.ts",
  "test/api/function-configs.test.ts",
  "test/api/function-layers.test.ts",
  "test/api/function-policy.test.ts",
  "test/api/function-urls.test.ts",
  "test/api/functions.test.ts",
  "test/api/invoke-node.test.ts",
  "test/api/layer-policy.test.ts",
  "test/api/layers.test.ts",
  "test/api/numbering.test.ts",
  "test/api/paging.test.ts",
  "test/api/s3-code.test.ts",
  "test/api/tags.test.ts",
  "test/api/versions.test.ts",
  // Its two servers run in the test process: on PostgreSQL they store imports through PgLayers.putVersion.
  "test/cli/import-layer.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own server on a temp data dir; two cores, so two forks.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/team/**"],
          // The SDK warns that its 2027 releases need Node 22; lamina supports Node 20, so that is noise here.
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: ["test/team/**/*.test.ts", ...TEAM_API_FILES],
          globalSetup: ["test/team-setup.ts"],
          env: {
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            LAMINA_TEST_BACKEND: "postgres",
            // moto's credentials, which lamina's S3 client reads through the standard AWS chain.
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing",
            AWS_REGION: "us-east-1",
          },
        },
      },
    ],
  },
});
