/**
 * The Python runtime's JSON (runtime/python/_lamina_json.py) calls the C accelerator `_json` directly, so that a
 * cold start need not import `json`, `re` or `socket`. On every Python 3 this machine has, and for a runtime
 * declared before and after python3.12 (ensure_ascii changes there), it must give exactly what `json.loads` and
 * the reference encoder give, errors included (test/fixtures/python-json-check.py holds the documents).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHECK = join(ROOT, "test", "fixtures", "python-json-check.py");
const RUNTIME = join(ROOT, "runtime", "python");
/** Documents and values in the check script. */
const CHECKED = 42;

/** Every Python 3.6+ found where lamina looks (pyenv, /usr/bin), one path per real interpreter. */
function interpreters(): string[] {
  const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "versions");
  const found = existsSync(pyenv)
    ? readdirSync(pyenv)
        .filter((v) => /^3\.(\d+)\./.test(v) && Number(v.split(".")[1]) >= 6)
        .map((v) => join(pyenv, v, "bin", "python3"))
    : [];
  found.push("/usr/bin/python3");
  return [...new Set(found.filter((p) => existsSync(p)).map((p) => realpathSync(p)))];
}

describe("the Python runtime's JSON matches the json module", () => {
  const pythons = interpreters();

  it("finds at least the host's python3", () => {
    expect(pythons.length).toBeGreaterThan(0);
  });

  for (const python of pythons) {
    for (const declared of ["9", "12"]) {
      it(`${python}, declared python3.${declared}`, () => {
        // -s -S as lamina starts the runtime: nothing from site may have imported json or re already.
        const out = execFileSync(python, ["-s", "-S", CHECK, RUNTIME, declared], { encoding: "utf8" });
        expect(JSON.parse(out)).toEqual({ checked: CHECKED, mismatches: [] });
      });
    }
  }
});
