/** Progress on stderr: phase lines, and a live counter while a load runs (one line, redrawn on a terminal). */

const TTY = process.stderr.isTTY;

/** Prints what the bench is doing. */
export class Progress {
  private readonly started = performance.now();
  private live = false;

  private stamp(): string {
    const s = Math.round((performance.now() - this.started) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}]`;
  }

  /** A line of its own. */
  say(message: string): void {
    this.endLive();
    process.stderr.write(`${this.stamp()} ${message}\n`);
  }

  /** Redraws the live line (on a terminal), or prints it now and then (in CI logs). */
  tick(message: string): void {
    if (TTY) {
      process.stderr.write(`\r\x1b[2K${this.stamp()}   ${message}`);
      this.live = true;
    } else {
      process.stderr.write(`${this.stamp()}   ${message}\n`);
    }
  }

  /** Ends the live line. */
  endLive(): void {
    if (this.live) {
      process.stderr.write("\n");
      this.live = false;
    }
  }
}
