/**
 * Progress of a download for people: on a terminal one bar redrawn in place (at most ten times a second), anywhere
 * else (a log, CI, a pipe) one plain line per tenth of the way, so the output stays readable line by line.
 */

/** Where progress goes: a stream that may be a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const MiB = 1024 * 1024;
const REDRAW_MS = 100;

/** Reports bytes received out of `total` (0 when unknown) under `label`. */
export class DownloadProgress {
  private lastDraw = 0;
  private lastTenth = -1;
  private readonly tty: boolean;

  constructor(
    private readonly out: ProgressStream,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Called as bytes arrive. */
  update(received: number): void {
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw >= REDRAW_MS) {
        this.lastDraw = now;
        this.out.write(`\r${this.bar(received)}`);
      }
      return;
    }
    const tenth = this.total > 0 ? Math.floor((received / this.total) * 10) : -1;
    if (tenth > this.lastTenth && tenth < 10) {
      this.lastTenth = tenth;
      this.out.write(`${this.label}: ${tenth * 10}% (${amount(received)} of ${amount(this.total)})\n`);
    }
  }

  /** Called once, when the last byte has arrived. */
  done(received: number): void {
    const line = `${this.label}: 100% (${amount(received)}${this.total > 0 ? ` of ${amount(this.total)}` : ""})`;
    this.out.write(this.tty ? `\r${this.bar(received)}\n` : `${line}\n`);
  }

  private bar(received: number): string {
    const fraction = this.total > 0 ? Math.min(1, received / this.total) : 0;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const sizes = this.total > 0 ? `${amount(received)} / ${amount(this.total)}` : amount(received);
    const columns = this.out.columns ?? 80;
    const width = Math.max(10, Math.min(40, columns - this.label.length - sizes.length - 12));
    const filled = Math.round(fraction * width);
    const line = `${this.label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${percent} ${sizes}`;
    return line.length > columns - 1 ? line.slice(0, columns - 1) : line;
  }
}

/** Bytes as people read them. */
function amount(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
