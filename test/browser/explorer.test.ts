/**
 * The explorer's pages in a real headless Chromium (Debian's `chromium`, driven by playwright-core; no browser
 * download): seeded through the Lambda API, the pages show accounts, a layer version's users and grants, a
 * function's layers, /opt and invocations; links and the keyboard move between them, deep links reload, and a
 * change made through the API appears without a reload. Two screenshots go to docs/screenshots/ for the README.
 */
import { AddLayerVersionPermissionCommand } from "@aws-sdk/client-lambda";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke, publishLayer } from "../helpers/invoke.js";
import { REPO_ROOT } from "../helpers/project-copy.js";
import { startTestServer, tmpDir } from "../helpers/server.js";

const A = "111111111111";
const B = "222222222222";
const ORG = "o-explorer01";
const lamina = await startTestServer({ sandbox: "none", organizations: { [ORG]: [B] } });
const a = lambdaClient(lamina.url, A);
const b = lambdaClient(lamina.url, B);
const V1 = `arn:aws:lambda:${TEST_REGION}:${A}:layer:shared-utils:1`;
const FB = `arn:aws:lambda:${TEST_REGION}:${B}:function:orders`;
/**
 * The README's screenshots are refreshed with `LAMINA_UPDATE_SCREENSHOTS=1 npm test`; other runs still take them,
 * into a temp folder, so a test run leaves the working tree as it found it.
 */
const SHOTS =
  process.env.LAMINA_UPDATE_SCREENSHOTS === "1"
    ? join(REPO_ROOT, "docs", "screenshots")
    : tmpDir("lamina-shots-");
const NODE = { runtime: "nodejs20.x" as const, handler: "index.handler" };
const CODE = { "index.mjs": "export const handler = async (e) => ({ ok: true, e });\n" };

let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await publishLayer(a, "shared-utils", {
    files: { "nodejs/node_modules/utils/index.js": "module.exports = 1;\n", "bin/helper": "#!/bin/sh\n" },
  });
  await a.send(
    new AddLayerVersionPermissionCommand({
      LayerName: "shared-utils",
      VersionNumber: 1,
      StatementId: "to-b",
      Action: "lambda:GetLayerVersion",
      Principal: B,
    }),
  );
  await createFunction(b, B, "orders", { ...NODE, files: CODE, layers: [V1] });
  context = await chromium.launchPersistentContext(tmpDir("lamina-chromium-"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
});

/** Waits until `text` shows in `selector` and returns how long that took. */
async function seen(selector: string, text: string, timeout = 5_000): Promise<number> {
  const start = Date.now();
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
  return Date.now() - start;
}

describe("the explorer in Chromium", () => {
  it("overview: accounts with their organization, layers and functions", async () => {
    await page.goto(`${lamina.url}/_lamina/ui/`);
    await seen("[data-testid=totals]", "2 accounts · 1 layer · 1 layer version · 1 function");
    expect(await page.locator(`[data-account="${B}"] h2`).innerText()).toBe(`Account ${B} ${ORG}`);
    expect(await page.locator(`[data-account="${A}"] li`).allInnerTexts()).toEqual([
      "shared-utils latest version 1",
    ]);
  });

  it("follows a link to the layer version: members, grants, users", async () => {
    await page.getByRole("link", { name: "shared-utils" }).click();
    await seen("h2", "Used by 1 function");
    expect(new URL(page.url()).pathname).toBe(`/_lamina/ui/layers/${encodeURIComponent(V1)}`);
    expect(await page.locator("table").first().locator("tbody tr").allInnerTexts()).toEqual([
      `to-b\t${B}\t—\tWhat if to-b were revoked?`,
    ]);
    const row = await page.locator("[data-testid=users] tbody tr").innerText();
    expect(row.startsWith(`orders\t${B}\t${TEST_REGION}\t$LATEST\t`)).toBe(true);
  });

  it("shows a new user of the version live, without a reload", async () => {
    // Page-side expressions as strings: the tests compile without the DOM library.
    await page.evaluate("window.marker = 42");
    await createFunction(a, A, "reports", { ...NODE, files: CODE, layers: [V1] });
    const ms = await seen("h2", "Used by 2 functions", 1_000);
    expect(ms).toBeLessThan(1_000);
    await seen("[data-testid=users]", "reports");
    // Still the same document: nothing reloaded.
    expect(await page.evaluate<number>("window.marker")).toBe(42);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "layer-version.png"), fullPage: true });
  });

  it("what if the grant were revoked: who keeps working, who can no longer attach", async () => {
    await page.getByRole("link", { name: "What if to-b were revoked?" }).click();
    await seen("h2", "2 functions keep working");
    expect(await page.locator("[data-testid=lose-attach] li").allInnerTexts()).toEqual([`Account ${B}`]);
    await page.goBack();
    await seen("h2", "Used by 2 functions");
  });

  it("reaches the function by keyboard: layers, /opt and a live invocation", async () => {
    const link = page.locator("[data-testid=users] a", { hasText: "orders" });
    await link.focus();
    await page.keyboard.press("Enter");
    await seen("h1", "Function");
    expect(new URL(page.url()).pathname).toBe(`/_lamina/ui/functions/${encodeURIComponent(FB)}`);
    await seen("[data-testid=layers]", "attachable today");
    await seen("[data-testid=opt]", "helper");
    expect(await page.locator("[data-testid=opt]").innerText()).toContain("utils/");
    await seen("p", "No invocations yet.");
    const out = await invoke(b, "orders", { id: 7 });
    const ms = await seen("[data-testid=invocations]", out.requestId ?? "?", 1_000);
    expect(ms).toBeLessThan(1_000);
    await page.locator("[data-testid=invocations] summary").first().click();
    await seen("[data-testid=invocations] pre", `END RequestId: ${out.requestId ?? ""}`);
  });

  it("keeps working on a reload of a deep link, in dark mode too", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await seen("[data-testid=invocations]", "success");
    const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(bg).toBe("rgb(18, 20, 23)");
    await page.screenshot({ path: join(SHOTS, "function.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
  });
});
