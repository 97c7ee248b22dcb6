/** Pieces every page uses: load states, ARNs, sizes, times. */
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { Loaded } from "./api.js";

/** Renders `body` once loaded; a status line (announced) while loading or on error. */
export function whenLoaded<T>(loaded: Loaded<T>, body: (data: T) => VNode): VNode {
  if (loaded.state === "loading") {
    return html`<p role="status">Loading…</p>`;
  }
  if (loaded.state === "error") {
    return html`<p role="alert" class="error">${loaded.status}: ${loaded.message}</p>`;
  }
  return body(loaded.data);
}

/** An ARN in monospace, breakable anywhere. */
export function arn(value: string): VNode {
  return html`<code class="arn">${value}</code>`;
}

/** Bytes for people. */
export function size(bytes: number | null): string {
  if (bytes === null) {
    return "—";
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ["KiB", "MiB", "GiB"];
  let n = bytes / 1024;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n.toFixed(1)} ${units[unit] ?? ""}`;
}

/** A Lambda timestamp or ISO time, as the reader's local time (the raw value on hover). */
export function time(value: string | null): VNode {
  if (value === null) {
    return html`<span>—</span>`;
  }
  const d = new Date(value.replace(/\.(\d{3})\+0000$/, ".$1Z"));
  return html`<time datetime=${value} title=${value}
    >${Number.isNaN(d.getTime()) ? value : d.toLocaleString()}</time
  >`;
}

/** A count with its noun, singular when one. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
