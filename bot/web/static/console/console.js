// Counsellor console: live queue over a websocket, one conversation with its context,
// canned responses, resource search and cards, transfer, notes, closing with an outcome,
// alerts (sound, browser notification, tab title) and keyboard shortcuts (help: "?").
// Every text comes from the server (bot/texts/catalog/console.yml) through #console-texts;
// the server sends every field already in words, so the page only places text.
"use strict";

(() => {
  const T = JSON.parse(document.getElementById("console-texts").textContent);
  const ME = JSON.parse(document.getElementById("console-me").textContent);
  const NEEDS = JSON.parse(document.getElementById("console-needs").textContent);
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const LANG = document.documentElement.lang;
  const TITLE = document.title;
  const ZONE = "America/Toronto";  // the 211's time, as the server writes it
  const $ = (sel, root = document) => root.querySelector(sel);
  const state = {
    items: [], selected: null, detail: null, tab: "queue", known: null, typingUntil: 0,
    sentTyping: 0, audio: null, lastAlert: null, live: null, loads: 0, shownLoad: 0,
    transferred: new Set(),
  };

  // --- building the page ---------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    put(node, children, true);
    return node;
  }

  /** Append `children` (nested lists flattened; null, undefined and false skipped). */
  function put(node, children, append = false) {
    const nodes = [children].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
    if (append) node.append(...nodes);
    else node.replaceChildren(...nodes);
    return node;
  }

  function tr(key) {
    return key in T ? T[key] : `⟦${key}⟧`;
  }

  function fmt(key, vars = {}) {
    // a value the server did not give reads "—", never "null" or "undefined"
    return tr(key).replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(orNone(vars[name])) : whole));
  }

  const none = () => tr("field.none");
  const orNone = (value) => (value === null || value === undefined || value === "" ? none() : value);

  function clock(iso) {
    return iso ? new Date(iso).toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", timeZone: ZONE }) : "";
  }

  function duration(seconds) {
    const total = Math.max(0, Math.floor(Number(seconds) || 0));
    const minutes = Math.floor(total / 60);
    const rest = String(total % 60).padStart(2, "0");
    return `${minutes}:${rest}`;
  }

  function waited(item) {
    if (item.status === "waiting" && item.created_at) {
      return (Date.now() - new Date(item.created_at).getTime()) / 1000;
    }
    return item.waited_seconds;
  }

  function label(item) {
    return [item.crisis_label, item.needs_label || item.need_label, item.place_label || item.municipality_name]
      .filter(Boolean).join(" · ") || tr("queue.no_need");
  }

  async function api(method, path, body) {
    let response;
    try {
      response = await fetch(`/console/api/${path}`, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (_) {
      showError(tr("error.network"));
      return null;
    }
    if (response.status === 401) { location.href = "/console/login"; return null; }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      showError((data.error && data.error.message && data.error.message[LANG]) || tr("error.bad_request"));
      return null;
    }
    return data;
  }

  function showError(text) {
    const box = $("#errors") || document.body.appendChild(el("p", { id: "errors", class: "error banner", role: "alert" }));
    box.textContent = text;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => box.remove(), 8000);
  }

  // --- queue -----------------------------------------------------------------------
  function renderQueue() {
    const list = $("#queue");
    const rows = state.items.map((item) => {
      const status = item.status === "waiting" ? tr("queue.waiting")
        : fmt("queue.held_by", { name: item.claimed_by_name || none() });
      const pinned = item.crisis && item.status === "waiting";
      return el("li", { "data-id": item.id, class: [item.crisis ? "crisis" : "", pinned ? "pinned" : ""].join(" ").trim() },
        el("button", {
          class: `item${state.selected === item.id ? " selected" : ""}`,
          "aria-current": state.selected === item.id ? "true" : null,
          onclick: () => select(item.id),
        },
          pinned ? el("span", { class: "badge crisis" }, tr("queue.pinned")) : null,
          el("span", { class: "what" }, label(item)),
          el("span", { class: "meta" },
            [item.language_label, item.channel_label].filter(Boolean).join(" · "), " · ",
            el("span", { class: "wait", "data-wait": item.id }, fmt("queue.waited", { time: duration(waited(item)) })),
            " · ", status),
          item.person_left ? el("span", { class: "left" }, tr("conversation.person_left")) : null));
    });
    put(list, rows.length ? rows : el("li", { class: "empty" }, tr("queue.empty")));
    updateTitle();
  }

  function tick() {
    for (const node of document.querySelectorAll("[data-wait]")) {
      const item = state.items.find((i) => i.id === node.dataset.wait)
        || (state.detail && state.detail.escalation.id === node.dataset.wait ? state.detail.escalation : null);
      if (item) node.textContent = node.classList.contains("bare") ? duration(waited(item))
        : fmt("queue.waited", { time: duration(waited(item)) });
    }
    const typing = $("#typing");
    if (typing) typing.hidden = Date.now() > state.typingUntil;
  }
  setInterval(tick, 1000);

  function updateTitle() {
    const waiting = state.items.filter((i) => i.status === "waiting");
    const crisis = waiting.some((i) => i.crisis);
    document.title = !waiting.length ? TITLE
      : fmt(crisis ? "title.crisis" : "title.waiting", { count: waiting.length, title: TITLE });
  }

  // --- alerts: sound, browser notification, banner ----------------------------------
  function beep(crisis) {
    document.body.dataset.lastSound = crisis ? "crisis" : "new";
    try {
      state.audio = state.audio || new AudioContext();
      const ctx = state.audio;
      const notes = crisis ? [880, 660, 880, 660] : [660];
      notes.forEach((hz, index) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = hz;
        gain.gain.value = 0.15;
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + index * 0.25);
        osc.stop(ctx.currentTime + index * 0.25 + 0.18);
      });
    } catch (_) { /* no audio here: the banner and the title still say it */ }
  }

  function announce(item, key) {
    const text = fmt(key, { what: label(item) });
    state.lastAlert = { id: item.id, text };
    beep(Boolean(item.crisis));
    put($("#alerts"), el("p", { class: `alert${item.crisis ? " crisis" : ""}` }, text, " ",
      el("button", { type: "button", class: "primary", onclick: () => select(item.id) }, tr("alert.open"))));
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        const note = new Notification(text, { tag: item.id, requireInteraction: Boolean(item.crisis) });
        note.addEventListener("click", () => { window.focus(); select(item.id); note.close(); });
        (window.relaisNotifications = window.relaisNotifications || []).push(note);
      } catch (_) { /* notifications refused by this browser: the banner stays */ }
    }
  }

  function announceNew(items) {
    const waiting = items.filter((i) => i.status === "waiting");
    if (state.known === null) { state.known = new Set(items.map((i) => i.id)); return; }
    const fresh = waiting.filter((i) => !state.known.has(i.id));
    for (const item of items) state.known.add(item.id);
    fresh.sort((a, b) => Number(Boolean(b.crisis)) - Number(Boolean(a.crisis)));
    if (fresh.length) announce(fresh[0], fresh[0].crisis ? "alert.crisis" : "alert.new");
  }

  function announceTransfer(item) {
    if (state.transferred.has(item.id)) return;
    state.transferred.add(item.id);
    announce(item, "alert.transferred");
  }

  /** A conversation another counsellor held is now mine: transferred to me, announced even if
   * the "transferred" event was missed (this console was reconnecting at that moment). */
  function announceTransfers(items) {
    const before = new Map(state.items.map((i) => [i.id, i.claimed_by]));
    for (const item of items) {
      const was = before.get(item.id);
      if (item.claimed_by !== ME.id) state.transferred.delete(item.id);
      else if (was && was !== ME.id) announceTransfer(item);
    }
  }

  function notifyButton() {
    const button = $("#notify");
    if (!("Notification" in window)) { button.hidden = true; return; }
    if (Notification.permission === "granted") { button.textContent = tr("notify.enabled"); button.disabled = true; }
    button.addEventListener("click", async () => {
      state.audio = state.audio || new AudioContext();  // a click lets the page play sounds
      if (await Notification.requestPermission() === "granted") notifyButton();
    });
  }

  // --- conversation ----------------------------------------------------------------
  async function select(id) {
    if (!state.live || state.live.id !== id) {
      state.live = { id, messages: new Map(), delivered: new Set(), notes: new Map() };
    }
    state.selected = id;
    renderQueue();
    const load = ++state.loads;
    const data = await api("GET", `escalations/${id}`);
    // an answer overtaken by a newer one, or for a conversation no longer selected, is dropped
    if (!data || state.selected !== id || load < state.shownLoad) return;
    state.shownLoad = load;
    state.detail = withLive(data, state.live);
    renderConversation();
  }

  /** The conversation as the server read it, plus what the websocket brought meanwhile: a
   * message or note stored after the server's read (its event came while the answer was on its
   * way) would otherwise vanish when the conversation is drawn again. */
  function withLive(data, live) {
    const messages = new Set(data.messages.map((m) => m.id));
    for (const message of data.messages) if (live.delivered.has(message.id)) message.status = "sent";
    for (const message of live.messages.values()) {
      if (!messages.has(message.id)) data.messages.push(live.delivered.has(message.id) ? { ...message, status: "sent" } : message);
    }
    const notes = new Set(data.notes.map((n) => n.id));
    for (const note of live.notes.values()) if (!notes.has(note.id)) data.notes.push(note);
    return data;
  }

  function line(who, text, at, extra = "") {
    const names = { person: tr("conversation.person"), bot: tr("conversation.bot"),
      system: tr("conversation.system") };
    return el("li", { class: `msg ${who} ${extra}`.trim() },
      el("span", { class: "who" }, names[who] || who), " ",
      el("span", { class: "when" }, clock(at)),
      el("p", {}, text));
  }

  function messageLine(message) {
    const who = message.direction === "counsellor" ? "counsellor" : message.direction;
    const node = line(who, message.text, message.at, [message.status === "pending" ? "pending" : "",
      message.card ? "card" : ""].join(" "));
    if (who === "counsellor") {
      $(".who", node).textContent = message.card ? `${message.author || ME.name} — ${tr("conversation.card")}`
        : message.author || ME.name;
    }
    node.dataset.messageId = message.id;
    return node;
  }

  function contextFields(data) {
    const item = data.escalation;
    const earlier = data.earlier
      ? fmt("context.earlier", { outcome: orNone(data.earlier.outcome_label), at: data.earlier.at,
        need: orNone(data.earlier.need_label) }) : null;
    const services = item.services.length
      ? el("ul", { class: "offered" }, item.services.map((s) => el("li", {},
        [s.name, s.organization, s.phone, s.distance].filter(Boolean).join(" — "))))
      : none();
    return [
      ["field.needs", item.needs_label], ["field.place", item.place_label],
      ["field.language", item.language_label], ["field.channel", item.channel_label],
      ["field.crisis", item.crisis_label || tr("field.none_crisis")], ["field.reason", item.reason_label],
      ["field.waited", el("span", { class: "wait bare", "data-wait": item.id }, duration(waited(item)))],
      ["field.first_words", data.first_words], ["field.services", services], ["field.earlier", earlier],
    ].map(([key, value]) => [el("dt", {}, tr(key)), el("dd", {}, orNone(value))]);
  }

  function renderConversation() {
    const data = state.detail;
    const { escalation: item, transcript, messages, notes } = data;
    const mine = item.status === "active" && item.claimed_by === ME.id;
    // a re-render (a queue update) keeps the focus and the drafts being typed
    const focused = document.activeElement && document.activeElement.id;
    const drafts = Object.fromEntries(["message", "note"].map((id) => [id, $(`#${id}`) ? $(`#${id}`).value : ""]));
    const closing = $("#close-form");  // and the closing choices made so far (same conversation)
    const choices = closing && closing.dataset.for === item.id ? [...closing.querySelectorAll("[data-touched]")]
      .map((n) => [n.name || n.id, n.value, n.type === "checkbox" ? n.checked : n.value]) : [];
    const history = transcript === null
      ? el("p", { class: "muted" }, tr("conversation.transcript_unavailable"))
      : el("ol", { class: "transcript" }, transcript.map((l) => line(l.who, l.text,
        l.at ? new Date(l.at * 1000).toISOString() : null)));
    put($("#conversation"), [
      el("header", { class: "conv-head" },
        el("h2", { id: "conv-title", tabindex: "-1" }, label(item)),
        item.crisis ? el("span", { class: "badge crisis" }, item.crisis_label || tr("queue.crisis")) : null,
        item.outcome_label ? el("span", { class: "badge" }, item.outcome_label) : null,
        el("h3", { class: "sr-only" }, tr("context.heading")),
        el("dl", { id: "context" }, contextFields(data))),
      item.person_left ? el("p", { class: "banner left", role: "status" }, tr("conversation.person_left")) : null,
      el("section", { class: "history", "aria-labelledby": "h-transcript" },
        el("h3", { id: "h-transcript" }, tr("conversation.transcript")), history,
        el("h3", {}, tr("conversation.live")),
        el("ol", { id: "messages", class: "transcript live", "aria-live": "polite", tabindex: "0",
          "aria-label": tr("conversation.live") }, messages.map(messageLine)),
        el("p", { id: "typing", class: "muted typing", hidden: true }, tr("typing.person"))),
      item.status === "waiting"
        ? el("button", { id: "claim", class: "primary", onclick: claim }, tr("action.claim")) : null,
      mine ? messageForm(data) : null,
      mine ? el("div", { class: "tools" },
        el("button", { type: "button", id: "search-open", onclick: openSearch }, tr("search.heading")),
        el("button", { type: "button", id: "canned-open", onclick: openCannedPicker }, tr("canned.insert")),
        el("button", { type: "button", id: "transfer-open", onclick: () => openTransfer() }, tr("transfer.heading"))) : null,
      samePanel(item.id),
      el("section", { class: "notes", "aria-labelledby": "h-notes" },
        el("h3", { id: "h-notes" }, tr("notes.private")),
        el("ul", { id: "notes" }, notes.map(noteLine)),
        mine ? el("form", { id: "note-form", onsubmit: addNote },
          el("label", { for: "note", class: "sr-only" }, tr("action.note_placeholder")),
          el("textarea", { id: "note", rows: 2, placeholder: tr("action.note_placeholder"), maxlength: 2000 }),
          el("button", { type: "submit" }, tr("action.note"))) : null),
      mine ? closeForm(data) : null,
    ]);
    for (const [id, value] of Object.entries(drafts)) if ($(`#${id}`) && value) $(`#${id}`).value = value;
    for (const [name, value, kept] of choices) {
      const node = name === "outcome" ? $("#outcome")
        : $(`#close-form input[name="${name}"][value="${CSS.escape(value)}"]`);
      if (!node) continue;
      if (node.type === "checkbox") node.checked = kept; else node.value = kept;
      node.dataset.touched = "1";
    }
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    scrollMessages();
  }

  /** The open panel (search, transfer, canned) survives a re-render of the same conversation. */
  function samePanel(id) {
    const old = $("#panel");
    if (old && !old.hidden && old.dataset.for === id) return old;
    return el("section", { id: "panel", class: "panel", hidden: true, "data-for": id });
  }

  function messageForm(data) {
    return el("form", { id: "message-form", onsubmit: sendMessage },
      el("label", { for: "message", class: "sr-only" }, tr("action.message_placeholder")),
      el("textarea", { id: "message", rows: 3, placeholder: tr("action.message_placeholder"),
        maxlength: 2000, "aria-describedby": "message-hint", onkeydown: messageKeys, oninput: typingSignal }),
      el("button", { id: "send", class: "primary", type: "submit" }, tr("action.send")),
      el("p", { id: "message-hint", class: "muted hint" }, tr("canned.hint")),
      el("ul", { id: "canned-suggest", class: "suggest", role: "listbox", hidden: true,
        "aria-label": tr("canned.heading") }));
  }

  function checkboxes(name, options, checked) {
    return options.map((o) => el("label", { class: "check" },
      el("input", { type: "checkbox", name, value: o.id, checked: checked.includes(o.id) }), " ", o.label));
  }

  function referralOptions(data) {
    const seen = new Map();
    for (const s of data.escalation.services) if (s.service_id) seen.set(s.service_id, s.name);
    for (const s of data.sent || []) seen.set(s.service_id, s.name);
    return [...seen].map(([id, name]) => ({ id, label: name }));
  }

  /** The outcome list; a crisis starts on "crisis line given" (the assistant gave it). */
  function outcomeChoice(item) {
    const select = el("select", { id: "outcome" }, $("#outcomes").content.cloneNode(true));
    if (item.crisis) select.value = "crisis_line_given";
    return select;
  }

  function closeForm(data) {
    const referrals = referralOptions(data);
    return el("form", { id: "close-form", class: "finish", onsubmit: closeConversation, "aria-labelledby": "h-close",
      "data-for": data.escalation.id, onchange: (event) => { event.target.dataset.touched = "1"; } },
      el("h3", { id: "h-close" }, tr("close.heading")),
      el("label", { for: "outcome" }, tr("action.outcome")),
      outcomeChoice(data.escalation),
      el("fieldset", { id: "close-needs" }, el("legend", {}, tr("close.needs")),
        checkboxes("needs", NEEDS, data.escalation.needs)),
      el("fieldset", { id: "close-referrals" }, el("legend", {}, tr("close.referrals")),
        referrals.length ? checkboxes("referrals", referrals, (data.sent || []).map((s) => s.service_id))
          : el("p", { class: "muted" }, tr("close.no_referrals"))),
      el("fieldset", { id: "close-unmet" }, el("legend", {}, tr("close.unmet")), checkboxes("unmet", NEEDS, [])),
      el("div", { class: "buttons" },
        el("button", { id: "close", class: "primary", type: "submit" }, tr("close.submit")),
        el("button", { id: "handback", type: "button", onclick: handBack }, tr("action.handback"))));
  }

  function noteLine(note) {
    return el("li", { "data-note-id": note.id }, el("strong", {}, note.author || ME.name), " ", clock(note.at),
      el("p", {}, note.text));
  }

  function scrollMessages() {
    const list = $("#messages");
    if (list) list.scrollTop = list.scrollHeight;
  }

  // --- writing: messages, canned responses, typing -------------------------------------
  function cannedMatches(prefix) {
    const canned = (state.detail && state.detail.canned) || [];
    return canned.filter((c) => c.shortcut.startsWith(prefix));
  }

  function messageKeys(event) {
    const box = event.target;
    const slash = /^\/([a-z0-9_-]*)$/.exec(box.value);
    if (slash && (event.key === "Tab" || event.key === "Enter")) {
      const [first] = cannedMatches(slash[1]);
      if (first) { event.preventDefault(); insertCanned(first); return; }
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#message-form").requestSubmit();
    }
  }

  function typingSignal(event) {
    const box = event.target;
    const slash = /^\/([a-z0-9_-]*)$/.exec(box.value);
    const list = $("#canned-suggest");
    const matches = slash ? cannedMatches(slash[1]) : [];
    list.hidden = !matches.length;
    put(list, matches.map((c) => el("li", { role: "option" },
      el("button", { type: "button", onclick: () => insertCanned(c) }, `/${c.shortcut} — ${c.text}`))));
    if (!slash && Date.now() - state.sentTyping > 3000 && box.value.trim()) {
      state.sentTyping = Date.now();
      // not shown (Rasa busy or away): the next keystroke tries again, not 3 s later
      api("POST", `escalations/${state.selected}/typing`, { typing: true })
        .then((data) => { if (!data || !data.shown) state.sentTyping = 0; });
    }
  }

  function insertCanned(canned) {
    const box = $("#message");
    if (!box) return;
    box.value = box.value.startsWith("/") ? canned.text : `${box.value}${box.value ? " " : ""}${canned.text}`;
    $("#canned-suggest").hidden = true;
    closePanel();
    box.focus();
  }

  async function claim() {
    if (await api("POST", `escalations/${state.selected}/claim`)) {
      await select(state.selected);
      const box = $("#message");
      if (box) box.focus();
    }
  }

  async function sendMessage(event) {
    event.preventDefault();
    const box = $("#message");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    state.sentTyping = 0;
    await api("POST", `escalations/${state.selected}/messages`, { text });
  }

  async function addNote(event) {
    event.preventDefault();
    const box = $("#note");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    await api("POST", `escalations/${state.selected}/notes`, { text });
  }

  function checkedValues(name) {
    return [...document.querySelectorAll(`#close-form input[name="${name}"]:checked`)].map((i) => i.value);
  }

  async function closeConversation(event) {
    event.preventDefault();
    const body = { outcome: $("#outcome").value, needs: checkedValues("needs"),
      referrals: checkedValues("referrals"), unmet_needs: checkedValues("unmet") };
    if (await api("POST", `escalations/${state.selected}/close`, body)) await select(state.selected);
  }

  async function handBack() {
    if (await api("POST", `escalations/${state.selected}/handback`)) await select(state.selected);
  }

  // --- panels: canned picker, resource search, transfer ----------------------------------
  function openPanel(titleKey, ...content) {
    const panel = $("#panel");
    if (!panel) return null;
    panel.hidden = false;
    panel.dataset.kind = titleKey;
    put(panel, [el("h3", { id: "panel-title", tabindex: "-1" }, tr(titleKey)), content,
      el("button", { type: "button", class: "link", onclick: () => closePanel() }, tr("dialog.close"))]);
    panel.setAttribute("aria-labelledby", "panel-title");
    return panel;
  }

  /** Close the open panel (only if it is still the `kind` one, when given). */
  function closePanel(kind) {
    const panel = $("#panel");
    if (!panel || panel.hidden || (kind && panel.dataset.kind !== kind)) return;
    panel.hidden = true;
    delete panel.dataset.kind;
    put(panel, []);
  }

  function openCannedPicker() {
    const canned = (state.detail && state.detail.canned) || [];
    const panel = openPanel("canned.heading", canned.length
      ? el("ul", { class: "canned-pick" }, canned.map((c) => el("li", {},
        el("button", { type: "button", onclick: () => insertCanned(c) }, el("kbd", {}, `/${c.shortcut}`), " ", c.text))))
      : el("p", { class: "muted" }, tr("canned.empty")));
    const first = panel && $("button", panel.querySelector("ul") || panel);
    if (first) first.focus();
  }

  function openSearch() {
    const item = state.detail.escalation;
    const needSelect = el("select", { id: "search-need" }, NEEDS.map((n) =>
      el("option", { value: n.id, selected: n.id === item.need }, n.label)));
    const placeGuess = item.borough || item.municipality_name || "";
    openPanel("search.heading", el("form", { id: "search-form", onsubmit: runSearch },
      el("label", { for: "search-need" }, tr("search.need")), needSelect,
      el("label", { for: "search-place" }, tr("search.place")),
      el("input", { id: "search-place", value: placeGuess, maxlength: 200 }),
      el("label", { for: "search-q" }, tr("search.keywords")),
      el("input", { id: "search-q", maxlength: 200 }),
      el("button", { type: "submit", class: "primary", id: "search-submit" }, tr("search.submit"))),
      el("div", { id: "search-results", "aria-live": "polite" }));
    $("#search-place").focus();
  }

  async function runSearch(event) {
    event.preventDefault();
    const query = new URLSearchParams({ need: $("#search-need").value, place: $("#search-place").value,
      q: $("#search-q").value });
    const data = await api("GET", `escalations/${state.selected}/search?${query}`);
    if (!data) return;
    const results = $("#search-results");
    if (!data.hits.length) { put(results, el("p", {}, tr("search.empty"))); return; }
    put(results, el("form", { id: "send-cards", onsubmit: sendCards },
      el("p", {}, fmt("search.results", { count: data.hits.length, place: data.place })),
      el("ul", { class: "hits" }, data.hits.map((h) => el("li", {}, el("label", { class: "check" },
        el("input", { type: "checkbox", name: "hit", value: h.service_id }), " ",
        el("strong", {}, h.name), " ", [h.organization, h.phone, h.distance].filter(Boolean).join(" — "))))),
      el("button", { type: "submit", class: "primary", id: "send-cards-submit" }, tr("search.send"))));
    const first = $('#send-cards input[name="hit"]');
    if (first) first.focus();
  }

  async function sendCards(event) {
    event.preventDefault();
    const ids = [...document.querySelectorAll('#send-cards input[name="hit"]:checked')].map((i) => i.value);
    if (!ids.length) return;
    const body = { service_ids: ids, need: $("#search-need").value, place: $("#search-place").value,
      q: $("#search-q").value };
    const done = await api("POST", `escalations/${state.selected}/cards`, body);
    if (done) {
      closePanel("search.heading");  // not a panel opened meanwhile (a transfer, say)
      await select(state.selected);
    }
  }

  const transferOpen = () => { const panel = $("#panel"); return Boolean(panel && !panel.hidden
    && panel.dataset.kind === "transfer.heading"); };

  /** The counsellors online to transfer to; `refresh`: someone came or went while the list
   * was open (the choice and the focus are kept). */
  async function openTransfer(refresh = false) {
    const data = await api("GET", "counsellors");
    if (!data || (refresh && !transferOpen())) return;
    const chosen = $("#transfer-to") ? $("#transfer-to").value : null;
    const focused = document.activeElement && document.activeElement.id;
    if (!data.items.length) { openPanel("transfer.heading", el("p", {}, tr("transfer.nobody"))); return; }
    openPanel("transfer.heading", el("form", { id: "transfer-form", onsubmit: transfer },
      el("label", { for: "transfer-to" }, tr("transfer.to")),
      el("select", { id: "transfer-to" }, data.items.map((c) => el("option", { value: c.id,
        selected: String(c.id) === chosen }, c.name))),
      el("button", { type: "submit", class: "primary", id: "transfer-submit" }, tr("transfer.submit"))));
    if (!refresh) $("#transfer-to").focus();
    else if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  async function transfer(event) {
    event.preventDefault();
    const to = Number($("#transfer-to").value);
    if (await api("POST", `escalations/${state.selected}/transfer`, { to })) await select(state.selected);
  }

  // --- callbacks -------------------------------------------------------------------
  async function loadCallbacks() {
    const data = await api("GET", "callbacks");
    if (!data) return;
    const rows = data.items.map((item) => {
      const choice = el("select", { "aria-label": tr("action.outcome") }, $("#outcomes").content.cloneNode(true));
      return el("li", { "data-id": item.id, class: `callback${item.crisis ? " crisis" : ""}` },
        el("p", { class: "what" }, label(item)),
        el("p", {}, tr("callbacks.phone"), tr("colon"), el("a", { href: `tel:${item.phone}` }, item.phone),
          ` · ${orNone(item.contact_label)} · ${orNone(item.language_label)}`),
        el("p", { class: "meta" }, tr("callbacks.best_time"), tr("colon"), orNone(item.best_time),
          ` · ${tr("callbacks.received")} ${new Date(item.created_at).toLocaleString(LANG,
            { timeZone: ZONE, dateStyle: "medium", timeStyle: "short" })}`),
        choice,
        el("button", { onclick: async () => {
          if (await api("POST", `callbacks/${item.id}/close`, { outcome: choice.value })) loadCallbacks();
        } }, tr("action.close")));
    });
    put($("#callbacks"), rows.length ? rows : el("li", { class: "empty" }, tr("callbacks.empty")));
  }

  function showTab(name) {
    state.tab = name;
    for (const tab of ["queue", "callbacks"]) {
      const button = $(`#tab-${tab}`);
      button.setAttribute("aria-selected", String(name === tab));
      button.tabIndex = name === tab ? 0 : -1;
      $(`#${tab}`).hidden = name !== tab;
    }
    if (name === "callbacks") loadCallbacks();
    $(`#tab-${name}`).focus();
  }
  $("#tab-queue").addEventListener("click", () => showTab("queue"));
  $("#tab-callbacks").addEventListener("click", () => showTab("callbacks"));
  // the tabs as a tab list: the arrow keys, Home and End move between them
  $(".tabs").addEventListener("keydown", (event) => {
    const next = { ArrowLeft: "queue", Home: "queue", ArrowRight: "callbacks", End: "callbacks" }[event.key];
    if (next && !event.altKey) { event.preventDefault(); showTab(next); }
  });

  // --- dialogs: help, canned responses (staff) ------------------------------------------
  for (const dialog of document.querySelectorAll("dialog")) {
    $(".dialog-close", dialog).addEventListener("click", () => dialog.close());
  }
  $("#help-open").addEventListener("click", () => $("#help").showModal());

  async function loadCannedManager() {
    const data = await api("GET", "canned");
    if (!data) return;
    put($("#canned-list"), data.items.map((c) => el("li", {},
      el("kbd", {}, `/${c.shortcut}`), ` (${tr(`language_name.${c.language}`)}) `, c.text, " ",
      el("button", { type: "button", class: "link", onclick: () => editCanned(c) }, tr("canned.edit")),
      el("button", { type: "button", class: "link", onclick: async () => {
        if (await api("POST", `canned/${c.id}/delete`, {})) loadCannedManager();
      } }, tr("canned.delete")))));
    $("#canned-form").hidden = false;
  }

  function editCanned(c) {
    $("#canned-id").value = c ? c.id : "";
    $("#canned-shortcut").value = c ? c.shortcut : "";
    $("#canned-language").value = c ? c.language : LANG;
    $("#canned-text").value = c ? c.text : "";
    $("#canned-shortcut").focus();
  }

  const manage = $("#canned-manage");
  if (manage) {
    manage.addEventListener("click", async () => {
      $("#canned-dialog").showModal();
      editCanned(null);
      await loadCannedManager();
    });
    $("#canned-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = $("#canned-id").value;
      const body = { shortcut: $("#canned-shortcut").value, language: $("#canned-language").value,
        text: $("#canned-text").value };
      if (await api("POST", id ? `canned/${id}` : "canned", body)) {
        editCanned(null);
        await loadCannedManager();
      }
    });
  }

  // --- keyboard --------------------------------------------------------------------
  function focusOrOpen(selector) {
    const node = $(selector);
    if (node) node.focus();
    return Boolean(node);
  }

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "Escape") { closePanel(); return; }
    if (!event.altKey && !typing && event.key === "?") { event.preventDefault(); $("#help").showModal(); return; }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const mine = state.detail && state.detail.escalation.status === "active"
      && state.detail.escalation.claimed_by === ME.id;
    const actions = {
      n: () => { const next = state.items.find((i) => i.status === "waiting"); if (next) select(next.id).then(() => focusOrOpen("#claim")); },
      c: () => { if ($("#claim")) claim(); },
      m: () => focusOrOpen("#message"),
      r: () => { if (mine) openCannedPicker(); },
      s: () => { if (mine) openSearch(); },
      o: () => focusOrOpen("#note"),
      t: () => { if (mine) openTransfer(); },
      f: () => focusOrOpen("#outcome"),
      q: () => showTab("queue"),
      b: () => showTab("callbacks"),
      h: () => $("#help").showModal(),
    };
    const action = actions[event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : ""];
    if (action) { event.preventDefault(); action(); }
  });

  // --- live updates ----------------------------------------------------------------
  function onEvent(data) {
    const current = state.detail && state.detail.escalation.id === data.escalation_id;
    const live = state.live && state.live.id === data.escalation_id ? state.live : null;
    if (live && data.type === "message") live.messages.set(data.message.id, data.message);
    else if (live && data.type === "delivered") live.delivered.add(data.id);
    else if (live && data.type === "note") live.notes.set(data.note.id, data.note);
    if (data.type === "queue") {
      announceNew(data.items);
      announceTransfers(data.items);
      state.items = data.items;
      renderQueue();
      const fresh = data.items.find((i) => i.id === state.selected);
      const shown = state.detail && state.detail.escalation;
      if (shown && fresh && (fresh.status !== shown.status || fresh.person_left !== shown.person_left
        || fresh.claimed_by !== shown.claimed_by)) select(state.selected);
      if (shown && !fresh && shown.status !== "closed") select(state.selected);
    } else if (data.type === "message" && current) {
      if (!document.querySelector(`[data-message-id="${data.message.id}"]`)) {
        state.detail.messages.push(data.message);
        $("#messages").append(messageLine(data.message));
        if (data.message.direction === "person") state.typingUntil = 0;
        scrollMessages();
      }
    } else if (data.type === "delivered" && current) {
      const node = document.querySelector(`[data-message-id="${data.id}"]`);
      if (node) node.classList.remove("pending");
    } else if (data.type === "note" && current) {
      if (!document.querySelector(`[data-note-id="${data.note.id}"]`)) {
        state.detail.notes.push(data.note);
        $("#notes").append(noteLine(data.note));
      }
    } else if (data.type === "typing" && current) {
      state.typingUntil = Date.now() + 5000;
      tick();
    } else if (data.type === "transferred" && data.to === ME.id) {
      const item = state.items.find((i) => i.id === data.escalation_id) || { id: data.escalation_id };
      announceTransfer(item);
    } else if (data.type === "person_left" && current) {
      select(state.selected);
    } else if (data.type === "presence" && transferOpen()) {
      openTransfer(true);
    } else if (data.type === "callbacks" && state.tab === "callbacks") {
      loadCallbacks();
    }
  }

  let delay = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/console/ws`);
    socket.addEventListener("open", () => {
      delay = 500;
      $("#connection").hidden = true;
      document.body.dataset.live = "1";
      if (state.selected) select(state.selected);  // catch up on anything missed
    });
    socket.addEventListener("message", (event) => {
      if (event.data !== "pong") onEvent(JSON.parse(event.data));
    });
    socket.addEventListener("close", async (event) => {
      $("#connection").hidden = false;
      document.body.dataset.live = "0";
      if (event.code === 4401) { location.href = "/console/login"; return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  }
  notifyButton();
  connect();
})();
