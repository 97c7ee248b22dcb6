/** `/_lamina/ui/what-if/<ARN>?action=…`: what revoking a grant or deleting the version would change. */
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { WhatIfView } from "../../src/domain/explorer/views.js";
import { useApi } from "./api.js";
import { arn, count, time, whenLoaded } from "./common.js";
import { href } from "./router.js";

/** The what-if page. */
export function WhatIfPage({
  arn: versionArn,
  query,
  tick,
}: {
  arn: string;
  query: string;
  tick: number;
}): VNode {
  const loaded = useApi<WhatIfView>(`layers/${encodeURIComponent(versionArn)}/what-if${query}`, tick);
  return html`<h1 tabindex="-1">What if…</h1>
    <p>${arn(versionArn)} · <a href=${href.layer(versionArn)}>back to the version</a></p>
    ${whenLoaded(
      loaded,
      (w) =>
        html`<p class="question">
            ${
              w.action === "delete"
                ? "…this version were deleted?"
                : html`…grant <strong>${w.statementId}</strong> were revoked?`
            }
          </p>
          <h2 id="keep">${count(w.keepWorkingTotal, "function")} keep working</h2>
          <p>
            Each holds the version in its own snapshot, so it runs as before; only new attachments change.
          </p>
          ${
            w.keepWorking.length > 0
              ? html`<ul aria-labelledby="keep" data-testid="keep-working">
                  ${w.keepWorking.map(
                    (u) =>
                      html`<li>
                        <a href=${href.fn(u.functionArn)}>${u.name}</a>
                        <span class="dim">${u.accountId} ${u.region}, since ${time(u.since)}</span>
                      </li>`,
                  )}
                </ul>`
              : null
          }
          <h2 id="lose">Who could no longer attach it</h2>
          ${
            w.loseAttach.length === 0 && w.loseAttachOrganizations.length === 0 && !w.loseAttachPublic
              ? html`<p>Nobody: every account that can attach it today still could.</p>`
              : html`<ul aria-labelledby="lose" data-testid="lose-attach">
                  ${w.loseAttach.map((a) => html`<li>Account ${a}</li>`)}
                  ${w.loseAttachOrganizations.map((o) => html`<li>Every member of organization ${o}</li>`)}
                  ${w.loseAttachPublic ? html`<li>Every other account (the public grant goes)</li>` : null}
                </ul>`
          }`,
    )}`;
}
