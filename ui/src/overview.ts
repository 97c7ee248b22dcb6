/** `/_lamina/ui/`: every account and region, with its organization, layers, functions and counts. */
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { OverviewView } from "../../src/domain/explorer/views.js";
import { useApi } from "./api.js";
import { count, whenLoaded } from "./common.js";
import { href } from "./router.js";

/** The overview page. */
export function Overview({ tick }: { tick: number }): VNode {
  const loaded = useApi<OverviewView>("overview", tick);
  return html`<h1 tabindex="-1">Accounts and regions</h1>
    ${whenLoaded(loaded, (o) =>
      o.accounts.length === 0
        ? html`<p>Nothing yet: publish a layer or create a function through the Lambda API.</p>`
        : html`<p class="totals" data-testid="totals">
              ${[
                count(o.totals.accounts, "account"),
                count(o.totals.layers, "layer"),
                count(o.totals.layerVersions, "layer version"),
                count(o.totals.functions, "function"),
              ].join(" · ")}
            </p>
            ${o.accounts.map(
              (a) =>
                html`<section
                  class="account"
                  aria-labelledby=${`acct-${a.accountId}`}
                  data-account=${a.accountId}
                >
                  <h2 id=${`acct-${a.accountId}`}>
                    Account ${a.accountId}
                    ${
                      a.organizationId
                        ? html` <span class="badge" title="AWS Organization">${a.organizationId}</span>`
                        : null
                    }
                  </h2>
                  ${a.regions.map(
                    (r) =>
                      html`<div class="region">
                        <h3>${r.region}</h3>
                        <p class="counts">
                          ${`${count(r.layerCount, "layer")} (${count(r.layerVersionCount, "version")}) · ${count(r.functionCount, "function")}`}
                        </p>
                        <div class="columns">
                          <div>
                            <h4>Layers</h4>
                            <ul>
                              ${r.layers.map(
                                (l) =>
                                  html`<li>
                                    <a href=${href.layer(l.latestVersionArn)}>${l.name}</a>
                                    ${" "}<span class="dim">latest version ${l.latestVersion}</span>
                                  </li>`,
                              )}
                            </ul>
                          </div>
                          <div>
                            <h4>Functions</h4>
                            <ul>
                              ${r.functions.map(
                                (f) =>
                                  html`<li>
                                    <a href=${href.fn(f.arn)}>${f.name}</a>
                                    ${" "}<span class="dim">${count(f.layerCount, "layer")}</span>
                                  </li>`,
                              )}
                            </ul>
                          </div>
                        </div>
                      </div>`,
                  )}
                </section>`,
            )}`,
    )}`;
}
