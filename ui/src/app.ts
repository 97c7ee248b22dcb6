/** The explorer's single-page app: a header, live status, and the page the address names. */
import "./app.css";
import { html, render } from "htm/preact";
import type { VNode } from "preact";
import { useChanges } from "./api.js";
import { FunctionPage } from "./fn.js";
import { LayerPage } from "./layer.js";
import { Overview } from "./overview.js";
import { href, useRoute } from "./router.js";
import { WhatIfPage } from "./what-if.js";

function App(): VNode {
  const route = useRoute();
  const { tick, last } = useChanges();
  let page: VNode;
  switch (route.page) {
    case "overview":
      page = html`<${Overview} tick=${tick} />`;
      break;
    case "layer":
      page = html`<${LayerPage} key=${route.arn} arn=${route.arn} tick=${tick} />`;
      break;
    case "function":
      page = html`<${FunctionPage} key=${route.arn} arn=${route.arn} tick=${tick} />`;
      break;
    case "what-if":
      page = html`<${WhatIfPage}
        key=${route.arn + route.query}
        arn=${route.arn}
        query=${route.query}
        tick=${tick}
      />`;
      break;
    default:
      page = html`<h1 tabindex="-1">Not found</h1>
        <p>No explorer page at <code>${route.path}</code>.</p>`;
  }
  return html`<a class="skip" href="#main">Skip to content</a>
    <header>
      <nav aria-label="Explorer">
        <a href=${href.overview()} class="brand">lamina explorer</a>
      </nav>
      <p class="live" aria-live="polite" data-testid="live">
        ${tick === 0 ? "live" : `live · updated (${last})`}
      </p>
    </header>
    <main id="main">${page}</main>`;
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
