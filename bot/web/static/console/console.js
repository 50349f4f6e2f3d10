// Counsellor console: live queue over a websocket, one conversation panel, callbacks.
// Every text comes from the server (bot/texts/catalog/console.yml) through #console-texts.
"use strict";

(() => {
  const T = JSON.parse(document.getElementById("console-texts").textContent);
  const ME = JSON.parse(document.getElementById("console-me").textContent);
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (sel, root = document) => root.querySelector(sel);
  const state = { items: [], selected: null, detail: null, tab: "queue" };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmt(key, vars = {}) {
    return (T[key] || key).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");
  }

  function clock(iso) {
    return iso ? new Date(iso).toLocaleTimeString(document.documentElement.lang,
      { hour: "2-digit", minute: "2-digit" }) : "";
  }

  async function api(method, path, body) {
    const response = await fetch(`/console/api/${path}`, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/console/login"; return null; }
    const data = await response.json();
    if (!response.ok) {
      const lang = document.documentElement.lang;
      alert((data.error && data.error.message && data.error.message[lang]) || response.status);
      return null;
    }
    return data;
  }

  // --- queue -----------------------------------------------------------------------
  function label(item) {
    return [item.crisis_label, item.need_label, item.municipality_name]
      .filter(Boolean).join(" · ") || T["field.none"];
  }

  function renderQueue() {
    const list = $("#queue");
    list.replaceChildren();
    if (!state.items.length) list.append(el("li", { class: "empty" }, T["queue.empty"]));
    for (const item of state.items) {
      const minutes = Math.floor(item.waited_seconds / 60);
      const status = item.status === "waiting" ? T["queue.waiting"]
        : fmt("queue.held_by", { name: item.claimed_by_name || "" });
      list.append(el("li", { "data-id": item.id, class: item.crisis ? "crisis" : "" },
        el("button", {
          class: `item${state.selected === item.id ? " selected" : ""}`,
          "aria-current": state.selected === item.id ? "true" : null,
          onclick: () => select(item.id),
        },
          el("span", { class: "what" }, label(item)),
          el("span", { class: "meta" },
            item.language.toUpperCase(), " · ", T[`channel.${item.channel}`] || item.channel || "",
            " · ", fmt("queue.waited", { minutes }), " · ", status),
          item.person_left ? el("span", { class: "left" }, T["conversation.person_left"]) : null)));
    }
  }

  // --- conversation ----------------------------------------------------------------
  async function select(id) {
    state.selected = id;
    renderQueue();
    const data = await api("GET", `escalations/${id}`);
    if (!data || state.selected !== id) return;
    state.detail = data;
    renderConversation();
  }

  function line(who, text, at, extra = "") {
    const names = { person: T["conversation.person"], bot: T["conversation.bot"],
      system: T["conversation.system"] };
    return el("li", { class: `msg ${who} ${extra}` },
      el("span", { class: "who" }, names[who] || who), " ",
      el("span", { class: "when" }, clock(at)),
      el("p", {}, text));
  }

  function messageLine(message) {
    const who = message.direction === "counsellor" ? "counsellor" : message.direction;
    const node = line(who, message.text, message.at, message.status === "pending" ? "pending" : "");
    if (who === "counsellor") $(".who", node).textContent = message.author || ME.name;
    node.dataset.messageId = message.id;
    return node;
  }

  function renderConversation() {
    const { escalation: item, transcript, messages, notes } = state.detail;
    const mine = item.status === "active" && item.claimed_by === ME.id;
    const panel = $("#conversation");
    const fields = [
      ["field.need", item.need_label], ["field.municipality", item.municipality_name],
      ["field.language", item.language.toUpperCase()],
      ["field.channel", T[`channel.${item.channel}`] || item.channel],
    ];
    const services = item.services.length
      ? el("ul", {}, item.services.map((s) => el("li", {}, [s.name, s.organization, s.phone]
        .filter(Boolean).join(" — "))))
      : el("p", {}, T["field.none"]);
    const history = transcript === null
      ? el("p", { class: "muted" }, T["conversation.transcript_unavailable"])
      : el("ol", { class: "transcript" }, transcript.map((l) => line(l.who, l.text,
        l.at ? new Date(l.at * 1000).toISOString() : null)));
    const outcomes = $("#outcomes").content.cloneNode(true);
    panel.replaceChildren(
      el("header", { class: "conv-head" },
        el("h2", {}, label(item)),
        item.crisis ? el("span", { class: "badge crisis" }, T["queue.crisis"]) : null,
        el("dl", {}, fields.map(([k, v]) => [el("dt", {}, T[k]), el("dd", {}, v || T["field.none"])])),
        el("details", {}, el("summary", {}, T["field.services"]), services)),
      item.person_left ? el("p", { class: "banner left", role: "status" },
        T["conversation.person_left"]) : null,
      el("section", { class: "history" },
        el("h3", {}, T["conversation.transcript"]), history,
        el("h3", {}, T["conversation.live"]),
        el("ol", { id: "messages", class: "transcript live", "aria-live": "polite" },
          messages.map(messageLine))),
      item.status === "waiting"
        ? el("button", { id: "claim", class: "primary", onclick: claim }, T["action.claim"]) : null,
      mine ? el("form", { id: "message-form", onsubmit: sendMessage },
        el("label", { for: "message", class: "sr-only" }, T["action.message_placeholder"]),
        el("textarea", { id: "message", rows: 3, placeholder: T["action.message_placeholder"],
          maxlength: 2000, onkeydown: submitOnEnter }),
        el("button", { id: "send", class: "primary", type: "submit" }, T["action.send"])) : null,
      el("section", { class: "notes" },
        el("h3", {}, T["notes"]),
        el("ul", { id: "notes" }, notes.map(noteLine)),
        mine ? el("form", { id: "note-form", onsubmit: addNote },
          el("label", { for: "note", class: "sr-only" }, T["action.note_placeholder"]),
          el("textarea", { id: "note", rows: 2, placeholder: T["action.note_placeholder"] }),
          el("button", { type: "submit" }, T["action.note"])) : null),
      mine ? el("footer", { class: "finish" },
        el("label", { for: "outcome" }, T["action.outcome"]),
        el("select", { id: "outcome" }, outcomes),
        el("button", { id: "close", onclick: closeConversation }, T["action.close"]),
        el("button", { id: "handback", onclick: handBack }, T["action.handback"])) : null,
    );
    scrollMessages();
  }

  function noteLine(note) {
    return el("li", {}, el("strong", {}, note.author || ""), " ", clock(note.at), el("p", {}, note.text));
  }

  function scrollMessages() {
    const list = $("#messages");
    if (list) list.scrollTop = list.scrollHeight;
  }

  function submitOnEnter(event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#message-form").requestSubmit();
    }
  }

  async function claim() {
    if (await api("POST", `escalations/${state.selected}/claim`)) await select(state.selected);
  }

  async function sendMessage(event) {
    event.preventDefault();
    const box = $("#message");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
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

  async function closeConversation() {
    const outcome = $("#outcome").value;
    if (await api("POST", `escalations/${state.selected}/close`, { outcome })) await select(state.selected);
  }

  async function handBack() {
    if (await api("POST", `escalations/${state.selected}/handback`)) await select(state.selected);
  }

  // --- callbacks -------------------------------------------------------------------
  async function loadCallbacks() {
    const data = await api("GET", "callbacks");
    if (!data) return;
    const list = $("#callbacks");
    list.replaceChildren();
    if (!data.items.length) list.append(el("li", { class: "empty" }, T["callbacks.empty"]));
    for (const item of data.items) {
      const outcomes = $("#outcomes").content.cloneNode(true);
      const select = el("select", { "aria-label": T["action.outcome"] }, outcomes);
      list.append(el("li", { "data-id": item.id, class: `callback${item.crisis ? " crisis" : ""}` },
        el("p", { class: "what" }, label(item)),
        el("p", {}, `${T["callbacks.phone"]} : `, el("a", { href: `tel:${item.phone}` }, item.phone),
          ` · ${T[`contact.${item.contact}`] || item.contact} · ${item.language.toUpperCase()}`),
        el("p", { class: "meta" }, `${T["callbacks.best_time"]} : ${item.best_time || T["field.none"]}`,
          ` · ${T["callbacks.received"]} ${new Date(item.created_at).toLocaleString(document.documentElement.lang)}`),
        select,
        el("button", { onclick: async () => {
          if (await api("POST", `callbacks/${item.id}/close`, { outcome: select.value })) loadCallbacks();
        } }, T["action.close"])));
    }
  }

  function showTab(name) {
    state.tab = name;
    $("#tab-queue").setAttribute("aria-selected", String(name === "queue"));
    $("#tab-callbacks").setAttribute("aria-selected", String(name === "callbacks"));
    $("#queue").hidden = name !== "queue";
    $("#callbacks").hidden = name !== "callbacks";
    if (name === "callbacks") loadCallbacks();
  }
  $("#tab-queue").addEventListener("click", () => showTab("queue"));
  $("#tab-callbacks").addEventListener("click", () => showTab("callbacks"));

  // --- live updates ----------------------------------------------------------------
  function onEvent(data) {
    const current = state.detail && state.detail.escalation.id === data.escalation_id;
    if (data.type === "queue") {
      state.items = data.items;
      renderQueue();
      const fresh = data.items.find((i) => i.id === state.selected);
      if (state.detail && fresh && (fresh.status !== state.detail.escalation.status
        || fresh.person_left !== state.detail.escalation.person_left
        || fresh.claimed_by !== state.detail.escalation.claimed_by)) select(state.selected);
      if (state.detail && !fresh && state.detail.escalation.status !== "closed") select(state.selected);
    } else if (data.type === "message" && current) {
      if (!document.querySelector(`[data-message-id="${data.message.id}"]`)) {
        state.detail.messages.push(data.message);
        $("#messages").append(messageLine(data.message));
        scrollMessages();
      }
    } else if (data.type === "delivered" && current) {
      const node = document.querySelector(`[data-message-id="${data.id}"]`);
      if (node) node.classList.remove("pending");
    } else if (data.type === "note" && current) {
      $("#notes").append(noteLine(data.note));
    } else if (data.type === "person_left" && current) {
      select(state.selected);
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
    socket.addEventListener("close", () => {
      $("#connection").hidden = false;
      document.body.dataset.live = "0";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  }
  connect();
})();
