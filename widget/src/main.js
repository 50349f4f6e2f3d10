// Entry point of the one-script widget: <script src="…/widget/static/relais211.js" defer>.
// Optional settings: window.Relais211 = {language, colours, position, serverUrl, socketUrl,
// exitUrl, open} set before the script, or data-* attributes on the script tag.
import { resolveConfig } from "./config.js";
import { Widget } from "./ui.js";

const script = document.currentScript;

async function boot() {
  const config = resolveConfig(script);
  const response = await fetch(`${config.serverUrl}/widget/boot.json`, {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`Relais 211 widget: boot.json HTTP ${response.status}`);
  const widget = new Widget(config, await response.json()).mount();
  window.Relais211 = Object.assign(window.Relais211 || {}, { widget });
}

function whenReady(start) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}

whenReady(() => {
  boot().catch((error) => console.error(error));
});
