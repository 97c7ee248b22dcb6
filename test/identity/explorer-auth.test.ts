/**
 * The explorer in strict mode: without --admin-token it stays closed (403); with one, the API and pages need it as
 * a Bearer token (401 without, 403 wrong), and `?token=` on a page sets a cookie that later requests carry.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTestServer, tmpDir } from "../helpers/server.js";

const TOKEN = "explorer-admin-token-0123456789";

function credentialsFile(): string {
  const file = join(tmpDir(), "credentials");
  writeFileSync(file, "AKIAEXPLORERTEST0001,secret-of-the-test-key,111111111111,alice\n");
  return file;
}

const open = await startTestServer({ auth: "strict", credentials: credentialsFile(), adminToken: TOKEN });
const closed = await startTestServer({ auth: "strict", credentials: credentialsFile() });

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("explorer in strict mode", () => {
  it("is closed without --admin-token: 403 for the API and the pages", async () => {
    for (const path of ["/_lamina/api/overview", "/_lamina/ui/", "/_lamina/api/events"]) {
      expect(await get(`${closed.url}${path}`, { Authorization: `Bearer ${TOKEN}` })).toMatchObject({
        status: 403,
        text: JSON.stringify({
          message: "The explorer is closed in strict mode: start lamina with --admin-token to open it.",
        }),
      });
    }
  });

  it("answers 401 without a token and 403 with a wrong one", async () => {
    const none = await get(`${open.url}/_lamina/api/overview`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="lamina"');
    expect(JSON.parse(none.text)).toEqual({
      message:
        "The explorer needs the admin token: Authorization: Bearer <token>, or ?token=<token> once in a page.",
    });
    expect((await get(`${open.url}/_lamina/ui/layers/x`)).status).toBe(401);
    const wrong = await get(`${open.url}/_lamina/api/overview`, { Authorization: "Bearer not-the-token" });
    expect(wrong).toMatchObject({
      status: 403,
      text: JSON.stringify({ message: "The admin token is not the one lamina was started with." }),
    });
    expect((await get(`${open.url}/_lamina/ui/?token=guess`)).status).toBe(403);
    expect((await get(`${open.url}/_lamina/api/overview`, { Cookie: "lamina_admin=guess" })).status).toBe(
      403,
    );
  });

  it("serves the API to the Bearer token", async () => {
    const ok = await get(`${open.url}/_lamina/api/overview`, { Authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({
      accounts: [],
      totals: { accounts: 0, layers: 0, layerVersions: 0, functions: 0 },
    });
  });

  it("?token= on a page sets the cookie and drops the token from the address", async () => {
    const first = await get(`${open.url}/_lamina/ui/layers/abc?token=${TOKEN}&x=1`);
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/_lamina/ui/layers/abc?x=1");
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toBe(`lamina_admin=${TOKEN}; Path=/_lamina/; HttpOnly; SameSite=Strict`);
    const page = await get(`${open.url}/_lamina/ui/layers/abc?x=1`, { Cookie: cookie.split(";")[0] ?? "" });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="/_lamina/ui/assets/app.js"></script>');
    const api = await get(`${open.url}/_lamina/api/overview`, { Cookie: cookie.split(";")[0] ?? "" });
    expect(api.status).toBe(200);
  });

  it("leaves the rest of /_lamina/ (health) to its own rules", async () => {
    expect((await get(`${open.url}/_lamina/health`)).status).toBe(200);
  });
});
