// DOM builders. Every text that comes from the server or the person goes in with
// textContent (never innerHTML), and links only ever get http(s), tel: or OSM addresses.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** `{name}`-style placeholders, filled with plain text. */
export function fill(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (m, key) => (key in vars ? String(vars[key]) : m));
}

/** A `tel:` address from a written number ("514 555-0100 poste 2" → tel:+15145550100). */
export function telHref(phone) {
  const main = String(phone).split(/[,;]|poste|ext\.?|x/i)[0];
  const digits = main.replace(/\D/g, "");
  if (digits.length === 10) return `tel:+1${digits}`;
  if (digits.length === 11 && digits.startsWith("1")) return `tel:+${digits}`;
  return digits.length >= 3 ? `tel:${digits}` : null;
}

/** An OpenStreetMap search for an address. */
export function mapHref(address) {
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`;
}

/** The URL if it is http(s), else null (no javascript:, data: …). */
export function safeHttpUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** One service card. */
export function serviceCard(card, t) {
  const facts = card.distance ? [card.distance] : [];
  const status = card.status;
  const lines = [
    el("div", { className: "r211-card-head" }, [
      el("h3", { className: "r211-card-name", text: card.name }),
      card.fictional ? el("span", { className: "r211-badge", text: t("fictional") }) : null,
    ]),
    card.organization && card.organization !== card.name
      ? el("p", { className: "r211-card-org", text: card.organization })
      : null,
    el("p", { className: "r211-card-facts" }, [
      facts.length ? el("span", { text: `${facts.join(" · ")} · ` }) : null,
      status ? el("span", { className: card.open_now ? "r211-open" : "r211-closed", text: status }) : null,
    ]),
  ];
  const tel = card.phone && telHref(card.phone);
  if (card.phone) {
    lines.push(el("p", { className: "r211-card-line" }, [
      el("span", { className: "r211-sr", text: `${t("phone")} : ` }),
      icon("phone"),
      tel ? el("a", { href: tel, text: card.phone }) : card.phone,
    ]));
  }
  if (card.address) {
    lines.push(el("p", { className: "r211-card-line" }, [
      el("span", { className: "r211-sr", text: `${t("address")} : ` }),
      icon("pin"),
      el("a", { href: mapHref(card.address), target: "_blank", rel: "noopener noreferrer" }, [
        card.address,
        el("span", { className: "r211-sr", text: ` ${t("map_hint")}` }),
      ]),
    ]));
  }
  const web = card.url && safeHttpUrl(card.url);
  if (web) {
    lines.push(el("p", { className: "r211-card-line" }, [
      el("a", { href: web, target: "_blank", rel: "noopener noreferrer" }, [
        t("website"),
        el("span", { className: "r211-sr", text: ` ${t("new_tab")}` }),
      ]),
    ]));
  }
  return el("li", { className: `r211-card${card.fictional ? " r211-card-fictional" : ""}` }, [
    el("article", { "aria-label": card.name }, lines),
  ]);
}

const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  phone: "M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z",
  pin: "M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z",
};

/** A decorative inline SVG icon (hidden from screen readers), built without markup parsing. */
export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "r211-icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}
