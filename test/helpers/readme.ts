/**
 * Reads the README's shell blocks as steps a test can run exactly as written. A step is one command (with its
 * `\` continuation lines); `#` lines right under it, before a blank line, are what it prints, where `...` stands
 * for anything. `#` lines after a blank line are prose and are skipped.
 */

/** One command of a README block and what the README says it prints. */
export interface ReadmeStep {
  readonly command: string;
  /** The printed answer the README shows under the command, if any (comment markers removed, lines joined). */
  readonly expected?: string;
}

/** The first ```sh block under the `## <heading>` section of `readme`. */
export function readmeBlock(readme: string, heading: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (section === undefined) {
    throw new Error(`README has no "## ${heading}" section`);
  }
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) {
    throw new Error(`README's "## ${heading}" has no sh block`);
  }
  return block;
}

/** The block's commands, in order, each with the answer printed under it. */
export function readmeSteps(block: string): ReadmeStep[] {
  const steps: { command: string; expected: string[] }[] = [];
  let current: { command: string; expected: string[] } | undefined;
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      current = undefined;
    } else if (line.startsWith("#")) {
      current?.expected.push(line.replace(/^# ?/, ""));
    } else {
      let command = line;
      while (command.endsWith("\\") && i + 1 < lines.length) {
        command = `${command}\n${lines[++i] ?? ""}`;
      }
      current = { command, expected: [] };
      steps.push(current);
    }
  }
  return steps.map(({ command, expected }) =>
    expected.length > 0 ? { command, expected: expected.join("\n") } : { command },
  );
}

const normalize = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * Whether `actual` is what `expected` shows: whitespace runs count as one space, `...` matches anything, and the
 * fragments must appear in order; without a leading (trailing) `...`, `actual` must start (end) with them.
 */
export function matchesExpected(actual: string, expected: string): boolean {
  const want = normalize(expected);
  const have = normalize(actual);
  const fragments = want.split("...").map((f) => f.trim());
  let at = 0;
  for (const [i, fragment] of fragments.entries()) {
    if (fragment === "") {
      continue;
    }
    const found = have.indexOf(fragment, at);
    if (found < 0 || (i === 0 && found !== 0)) {
      return false;
    }
    at = found + fragment.length;
  }
  const last = fragments[fragments.length - 1];
  return last === "" || last === undefined || have.endsWith(last);
}

/** Whether a step's answer is an error from the CLI (it must then exit non-zero). */
export function expectsError(step: ReadmeStep): boolean {
  return step.expected?.startsWith("An error occurred") ?? false;
}

/** Whether a command only sets shell state (`export …`, `NAME=…`) that later commands rely on. */
export function setsState(command: string): boolean {
  return /^(export\s|[A-Za-z_][A-Za-z0-9_]*=)/.test(command);
}
