/** `/_lamina/ui/layers/<ARN>`: a layer version, its grants, every function using it, and its siblings. */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { LayerVersionView, UserPage, UserView } from "../../src/domain/explorer/views.js";
import { getJson, useApi } from "./api.js";
import { arn, count, size, time, whenLoaded } from "./common.js";
import { href } from "./router.js";

/** The layer version page. */
export function LayerPage({ arn: versionArn, tick }: { arn: string; tick: number }): VNode {
  const loaded = useApi<LayerVersionView>(`layers/${encodeURIComponent(versionArn)}`, tick);
  return html`<h1 tabindex="-1">Layer version</h1>
    <p>${arn(versionArn)}</p>
    ${whenLoaded(loaded, (v) => html`<${Details} v=${v} />`)}`;
}

function Details({ v }: { v: LayerVersionView }): VNode {
  // Further pages of users, appended by "Show more"; a change reloads from the first page.
  const [more, setMore] = useState<UserView[]>([]);
  const [next, setNext] = useState<string | null>(v.users.next);
  useEffect(() => {
    setMore([]);
    setNext(v.users.next);
  }, [v]);
  const loadMore = async () => {
    const page = await getJson<UserPage>(`layers/${encodeURIComponent(v.arn)}/users?after=${next ?? ""}`);
    if (page.state === "ok") {
      setMore([...more, ...page.data.items]);
      setNext(page.data.next);
    }
  };
  const users = [...v.users.items, ...more];
  return html`${
      v.exists
        ? html`<dl class="facts">
              <dt>Layer</dt>
              <dd>${v.name} (account ${v.accountId}, ${v.region})</dd>
              <dt>Description</dt>
              <dd>${v.description || html`<span class="dim">none</span>`}</dd>
              <dt>Runtimes</dt>
              <dd>${v.compatibleRuntimes?.join(", ") ?? "any"}</dd>
              <dt>Architectures</dt>
              <dd>${v.compatibleArchitectures?.join(", ") ?? "any"}</dd>
              <dt>Size</dt>
              <dd>${size(v.codeSize)}</dd>
              <dt>CodeSha256</dt>
              <dd><code>${v.codeSha256}</code></dd>
              <dt>Created</dt>
              <dd>${time(v.createdDate)}</dd>
            </dl>
            <p><a class="button" href=${href.remove(v.arn)}>What if this version were deleted?</a></p>`
        : html`<p class="warning" role="note">
            This version was deleted. The functions below keep it: each holds its own snapshot.
          </p>`
    }
    <h2>Grants</h2>
    ${
      v.grants.length === 0
        ? html`<p>No grants: only account ${v.accountId} can attach it.</p>`
        : html`<table>
            <caption class="sr-only">
              Grants of this version
            </caption>
            <thead>
              <tr>
                <th scope="col">Statement id</th>
                <th scope="col">Principal</th>
                <th scope="col">Organization</th>
                <th scope="col">What if</th>
              </tr>
            </thead>
            <tbody>
              ${v.grants.map(
                (g) =>
                  html`<tr>
                    <td>${g.statementId}</td>
                    <td>${g.principal}</td>
                    <td>${g.organizationId ?? "—"}</td>
                    <td>
                      <a href=${href.revoke(v.arn, g.statementId)}>What if ${g.statementId} were revoked?</a>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2 id="users">Used by ${count(v.users.total, "function")}</h2>
    ${
      users.length === 0
        ? html`<p>No function uses this version.</p>`
        : html`<table aria-labelledby="users" data-testid="users">
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col">Account</th>
                <th scope="col">Region</th>
                <th scope="col">Version</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              ${users.map(
                (u) =>
                  html`<tr>
                    <td><a href=${href.fn(u.functionArn)}>${u.name}</a></td>
                    <td>${u.accountId}</td>
                    <td>${u.region}</td>
                    <td>${u.qualifier}</td>
                    <td>${time(u.since)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${next !== null ? html`<button type="button" onClick=${loadMore}>Show more functions</button>` : null}
    <h2>Other versions of ${v.name}</h2>
    ${
      v.otherVersions.items.length === 0
        ? html`<p>None.</p>`
        : html`<table data-testid="other-versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Created</th>
                <th scope="col">Used by</th>
              </tr>
            </thead>
            <tbody>
              ${v.otherVersions.items.map(
                (o) =>
                  html`<tr>
                    <td><a href=${href.layer(o.arn)}>Version ${o.version}</a></td>
                    <td>${time(o.createdDate)}</td>
                    <td>${count(o.users, "function")}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${v.otherVersions.more ? html`<p class="dim">Older versions are not shown.</p>` : null}`;
}
