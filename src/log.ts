/** The server's logger: pino on stderr, as readable lines on a terminal or as JSON lines for machines. */
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

/** How log lines look: `pretty` for people, `json` for machines, `auto` picks by whether stderr is a terminal. */
export type LogFormat = "auto" | "pretty" | "json";

/** Whether `format` means readable lines here. */
export function wantsPretty(format: LogFormat): boolean {
  return format === "pretty" || (format === "auto" && process.stderr.isTTY === true);
}

/** A logger at `level`, writing to stderr so stdout stays free for command output. */
export function createLogger(level: string, format: LogFormat = "json"): Logger {
  const options = { level, base: { name: "lamina" } };
  if (!wantsPretty(format)) {
    return pino(options, pino.destination(2));
  }
  // In-process and synchronous, so the lines of a crash are on the terminal before the process exits.
  return pino(
    options,
    pretty({ destination: 2, sync: true, ignore: "pid,hostname,name", translateTime: "HH:MM:ss.l" }),
  );
}
