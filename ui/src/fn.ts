/**
 * `/_lamina/ui/functions/<ARN>`: configuration, layers (owner, attachable today or kept by snapshot), the merged
 * `/opt` as a browsable tree, and recent invocations with their log lines.
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import type {
  FunctionLayerView,
  FunctionView,
  InvocationView,
  OptFile,
  OptTree,
} from "../../src/domain/explorer/views.js";
import { useApi } from "./api.js";
import { arn, count, size, time, whenLoaded } from "./common.js";
import { href } from "./router.js";

const STATUS_TEXT: Record<FunctionLayerView["status"], string> = {
  attachable: "attachable today",
  "version-deleted": "version deleted: kept by snapshot",
  "grant-revoked": "grant revoked: kept by snapshot",
};

/** The function page. */
export function FunctionPage({ arn: fnArn, tick }: { arn: string; tick: number }): VNode {
  const base = `functions/${encodeURIComponent(fnArn)}`;
  const fn = useApi<FunctionView>(base, tick);
  const opt = useApi<OptTree>(`${base}/opt`, tick);
  const calls = useApi<{ invocations: InvocationView[] }>(`${base}/invocations`, tick);
  return html`<h1 tabindex="-1">Function</h1>
    <p>${arn(fnArn)}</p>
    ${whenLoaded(fn, (f) => html`<${Configuration} f=${f} /><${Layers} f=${f} />`)}
    <h2>Merged /opt</h2>
    ${whenLoaded(opt, (t) => html`<${Opt} tree=${t} />`)}
    <h2>Recent invocations</h2>
    ${whenLoaded(calls, (c) => html`<${Invocations} items=${c.invocations} />`)}`;
}

function Configuration({ f }: { f: FunctionView }): VNode {
  const c = f.configuration;
  const env = Object.entries(c.environment);
  return html`<dl class="facts">
    <dt>Name</dt>
    <dd>${f.name} (account ${f.accountId}, ${f.region}, ${f.qualifier})</dd>
    <dt>Runtime</dt>
    <dd>${c.runtime ?? "—"}</dd>
    <dt>Handler</dt>
    <dd><code>${c.handler ?? "—"}</code></dd>
    <dt>Memory</dt>
    <dd>${c.memorySize} MB</dd>
    <dt>Timeout</dt>
    <dd>${c.timeout} s</dd>
    <dt>Architectures</dt>
    <dd>${c.architectures.join(", ")}</dd>
    <dt>Code</dt>
    <dd>${size(c.codeSize)}, <code>${c.codeSha256}</code></dd>
    <dt>Role</dt>
    <dd>${arn(c.role)}</dd>
    <dt>Last modified</dt>
    <dd>${time(c.lastModified)}</dd>
    <dt>Environment</dt>
    <dd>${env.length === 0 ? "none" : env.map(([k, v]) => html`<div><code>${k}=${v}</code></div>`)}</dd>
  </dl>`;
}

function Layers({ f }: { f: FunctionView }): VNode {
  if (f.layers.length === 0) {
    return html`<h2>Layers</h2>
      <p>No layers.</p>`;
  }
  return html`<h2>Layers</h2>
    <table data-testid="layers">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Layer version</th>
          <th scope="col">Owner</th>
          <th scope="col">Size</th>
          <th scope="col">Since</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        ${f.layers.map(
          (l, i) =>
            html`<tr>
              <td>${i + 1}</td>
              <td><a href=${href.layer(l.arn)}>${l.arn.split(":layer:")[1] ?? l.arn}</a></td>
              <td>${l.ownerAccountId}</td>
              <td>${size(l.codeSize)}</td>
              <td>${time(l.since)}</td>
              <td>
                <span class=${`badge ${l.attachableToday ? "ok" : "warn"}`} data-status=${l.status}
                  >${STATUS_TEXT[l.status]}</span
                >
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

interface Dir {
  readonly dirs: Map<string, Dir>;
  readonly files: OptFile[];
}

function treeOf(files: readonly OptFile[]): Dir {
  const root: Dir = { dirs: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split("/");
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let sub = dir.dirs.get(part);
      if (!sub) {
        sub = { dirs: new Map(), files: [] };
        dir.dirs.set(part, sub);
      }
      dir = sub;
    }
    dir.files.push(f);
  }
  return root;
}

function DirView({ dir }: { dir: Dir }): VNode {
  return html`<ul class="tree">
    ${[...dir.dirs].map(
      ([name, sub]) =>
        html`<li>
          <details open>
            <summary>${name}/</summary>
            <${DirView} dir=${sub} />
          </details>
        </li>`,
    )}
    ${dir.files.map(
      (f) =>
        html`<li class="file">
          <span>${f.path.split("/").pop()}</span>
          ${" "}<span class="dim">${size(f.size)}${f.kind === "link" ? ", link" : ""}</span> ${" "}<span
            class="dim from"
            >from ${f.layerArn.split(":layer:")[1] ?? f.layerArn}</span
          >
        </li>`,
    )}
  </ul>`;
}

function Opt({ tree }: { tree: OptTree }): VNode {
  if (tree.fileCount === 0) {
    return html`<p>/opt is empty.</p>`;
  }
  return html`<p>${count(tree.fileCount, "file")}, ${size(tree.totalSize)}</p>
    <div data-testid="opt"><span class="dim">/opt/</span><${DirView} dir=${treeOf(tree.files)} /></div>`;
}

function Invocations({ items }: { items: InvocationView[] }): VNode {
  if (items.length === 0) {
    return html`<p>No invocations yet.</p>`;
  }
  return html`<ol class="invocations" data-testid="invocations">
    ${items.map(
      (i) =>
        html`<li>
          <details>
            <summary>
              <span class=${`badge ${i.status === "success" ? "ok" : "warn"}`}>${i.status}</span>
              ${i.errorType ? html` <span class="badge warn">${i.errorType}</span>` : null}
              ${" "}${time(i.time)} · <code>${i.requestId}</code> · ${i.durationMs.toFixed(2)} ms
              ${i.initDurationMs !== null ? html` · init ${i.initDurationMs.toFixed(2)} ms` : null}
            </summary>
            <pre>${i.lines.join("\n")}</pre>
          </details>
        </li>`,
    )}
  </ol>`;
}
