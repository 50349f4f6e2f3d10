// Where the widget's settings come from: window.Relais211, then the <script> tag's data-*
// attributes, then the page itself (its language, the script's origin as server).

export const LANGUAGES = ["fr", "en"];

/** `fr-CA`, `EN`, `en_US` → `fr`/`en`; anything else → null. */
export function normalizeLanguage(value) {
  const code = String(value || "").trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(code) ? code : null;
}

function trimSlash(url) {
  return String(url).replace(/\/+$/, "");
}

function httpUrl(value) {
  if (!value) return null;
  try {
    const url = new URL(String(value), window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? trimSlash(url.href) : null;
  } catch {
    return null;
  }
}

function colour(value) {
  return typeof value === "string" && window.CSS && CSS.supports("color", value) ? value : null;
}

/** The resolved configuration; `script` is the widget's own <script> element (or null). */
export function resolveConfig(script) {
  const user = (typeof window.Relais211 === "object" && window.Relais211) || {};
  const data = (script && script.dataset) || {};
  const scriptOrigin = script && script.src ? new URL(script.src, window.location.href).origin : null;
  const colours = user.colours || user.colors || {};
  return {
    serverUrl: httpUrl(user.serverUrl || data.serverUrl) || scriptOrigin || window.location.origin,
    socketUrl: httpUrl(user.socketUrl || data.socketUrl),
    exitUrl: httpUrl(user.exitUrl || data.exitUrl),
    pageLanguage:
      normalizeLanguage(user.language || data.language) ||
      normalizeLanguage(document.documentElement.lang) ||
      normalizeLanguage(navigator.language) ||
      "fr",
    position: (user.position || data.position) === "left" ? "left" : "right",
    colours: {
      primary: colour(colours.primary),
      onPrimary: colour(colours.onPrimary),
      accent: colour(colours.accent),
    },
    open: Boolean(user.open),
  };
}
