/** The server's logger: pino, JSON lines on stderr. */
import { pino, type Logger } from "pino";

/** A logger at `level`, writing to stderr so stdout stays free for command output. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: "lamina" } }, pino.destination(2));
}
