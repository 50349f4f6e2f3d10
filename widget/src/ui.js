// The widget itself: a launcher button and a chat panel in a shadow root (so the host page's
// styles cannot break it, nor its styles the page). State lives in `this.state` and is saved
// after every change; messages are appended to the live log one by one so screen readers
// announce only what is new.
import { el, fill, icon, serviceCard } from "./render.js";
import { fromRasa, fromServer, hasUnseenAnswers, isNotBehind, merge } from "./messages.js";
import { Store, newMessageId, newSessionId } from "./store.js";
import { RETRY_DELAY_MS, Transport, delay } from "./transport.js";
import { normalizeLanguage } from "./config.js";
import css from "./styles.css";

const TYPING_IDLE_MS = 1200;
const NO_ANSWER_MS = 25000;
const PAUSED_POLL_MS = 5000;
const SOCKET_SILENCE_MS = 6000;
const SILENCE_CHECKS = 4; // every SOCKET_SILENCE_MS, within NO_ANSWER_MS

export class Widget {
  constructor(config, boot) {
    this.config = config;
    this.texts = boot.texts || {};
    this.exitUrl = config.exitUrl || boot.exit_url || "https://www.google.ca";
    this.serverUrl = config.serverUrl;
    const minutes = Number(boot.history_minutes);
    this.store = new Store(undefined, minutes > 0 ? minutes * 60 * 1000 : undefined);
    this.tabId = newSessionId();
    const saved = this.store.load();
    this.state = saved || {
      sessionId: newSessionId(),
      language: config.pageLanguage,
      messages: [],
      open: config.open,
    };
    this.state.language = normalizeLanguage(this.state.language) || config.pageLanguage;
    this.rendered = [];
    this.receivedCount = 0;
    this.awaitingAnswer = false; // the assistant's answer to the person's last message
    this.counsellorIsTyping = false;
    this.transport = new Transport({
      // Rasa's channels are proxied on the origin that served the widget (bot/web/rasa_proxy.py)
      socketUrl: config.socketUrl || config.serverUrl,
      onMessage: (raw) => this.receive(raw),
      onCounsellorTyping: (data) => this.counsellorTyping(data),
      onLost: (messages) => this.resend(messages),
    });
    this.ready = this.transport.start(this.state.sessionId);
  }

  t(key) {
    const texts = this.texts[this.state.language] || this.texts.fr || {};
    return key in texts ? texts[key] : key;
  }

  // ---- building -------------------------------------------------------------------------

  mount(parent = document.body) {
    const host = el("div", { id: "relais211-widget" });
    parent.append(host);
    this.host = host;
    const shadow = host.attachShadow({ mode: "open" });
    adoptStyles(shadow, css);
    const c = this.config.colours;
    this.root = el("div", { className: `r211 r211-${this.config.position}` });
    for (const [name, value] of [["--r211-primary", c.primary], ["--r211-on-primary", c.onPrimary], ["--r211-accent", c.accent]]) {
      if (value) this.root.style.setProperty(name, value);
    }
    this.launcher = el("button", {
      type: "button", className: "r211-launcher", "aria-controls": "r211-panel",
      "aria-expanded": "false", onclick: () => this.open(true),
    }, [icon("chat"), el("span", { className: "r211-launcher-text" })]);
    this.panel = this.buildPanel();
    this.root.append(this.launcher, this.panel);
    shadow.append(this.root);
    this.applyTexts();
    this.renderAll();
    this.setOpen(Boolean(this.state.open), false);
    window.addEventListener("storage", (event) => this.onStorage(event));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.claim();
    });
    this.claim();
    if (this.state.messages.length) this.syncFromServer(true);
    else if (this.state.open) this.greet();
    this.expiryTimer = setInterval(() => this.expireIfIdle(), 60 * 1000);
    return this;
  }

  /** Left alone longer than the history keeps: forgotten here, a new conversation next. */
  expireIfIdle() {
    if (!this.store.storage) return;
    const saved = this.store.load();
    if (saved || !this.state.messages.length) return;
    this.forgetHere(false);
  }

  /** Nothing of the conversation left in this browser; a new session id from now on. */
  forgetHere(open) {
    this.store.clear();
    this.state = { sessionId: newSessionId(), language: this.state.language, messages: [], open };
    this.transport.switchSession(this.state.sessionId);
    this.clearTyping();
    this.renderAll();
    this.setOpen(open, false);
  }

  buildPanel() {
    const $ = (name, node) => (this[name] = node);
    const header = el("header", { className: "r211-header" }, [
      el("div", { className: "r211-titles" }, [
        $("title", el("h2", { id: "r211-title", className: "r211-title" })),
        $("subtitle", el("p", { className: "r211-subtitle" })),
      ]),
      $("langButton", el("button", { type: "button", className: "r211-lang", onclick: () => this.switchLanguage() })),
      $("closeButton", el("button", { type: "button", className: "r211-close", onclick: () => this.setOpen(false, true) }, [
        el("span", { "aria-hidden": "true", text: "✕" }),
      ])),
    ]);
    const exitBar = el("div", { className: "r211-exitbar" }, [
      $("exitButton", el("button", {
        type: "button", className: "r211-exit", "aria-describedby": "r211-exit-hint",
        onclick: () => this.quickExit(),
      })),
      $("exitHint", el("span", { id: "r211-exit-hint", className: "r211-exit-hint" })),
      $("eraseButton", el("button", {
        type: "button", className: "r211-erase", onclick: () => this.erase(),
      })),
    ]);
    // Law 25: the first thing said in every conversation is what is kept, how long, and how
    // to erase it, with a link to the full notice.
    this.privacyLink = el("a", { className: "r211-privacy-link", target: "_blank", rel: "noopener" });
    this.privacyNotice = el("p", { className: "r211-privacy" }, [
      el("span", { className: "r211-privacy-text" }), " ", this.privacyLink,
    ]);
    this.list = el("ol", { className: "r211-messages" });
    this.typing = el("div", { className: "r211-typing", hidden: true, "aria-hidden": "true" }, [
      el("span"), el("span"), el("span"),
    ]);
    this.log = el("div", { className: "r211-log", role: "log", "aria-live": "polite", tabindex: "0" }, [
      this.privacyNotice, this.list, this.typing,
    ]);
    this.status = el("div", { className: "r211-sr r211-status", role: "status" });
    this.tools = el("div", { className: "r211-tools", role: "group" }, [
      $("counsellorButton", el("button", { type: "button", className: "r211-tool r211-tool-main", onclick: () => this.askHuman() })),
      $("locationButton", el("button", { type: "button", className: "r211-tool", onclick: () => this.shareLocation() })),
      $("restartButton", el("button", { type: "button", className: "r211-tool", onclick: () => this.restart() })),
    ]);
    this.input = el("textarea", { id: "r211-input", className: "r211-input", rows: "1", maxlength: "1000",
      onkeydown: (e) => {
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.submit(); }
      },
      oninput: () => this.transport.typing() });
    this.inputLabel = el("label", { for: "r211-input", className: "r211-sr" });
    this.sendButton = el("button", { type: "submit", className: "r211-send" });
    const form = el("form", { className: "r211-composer", onsubmit: (e) => { e.preventDefault(); this.submit(); } }, [
      this.inputLabel, this.input, this.sendButton,
    ]);
    this.foot = el("p", { className: "r211-foot" });
    const panel = el("section", {
      id: "r211-panel", className: "r211-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "r211-title", hidden: true,
      onkeydown: (e) => { if (e.key === "Escape") { e.stopPropagation(); this.setOpen(false, true); } },
    }, [header, exitBar, this.log, this.status, this.tools, form, this.foot]);
    return panel;
  }

  /** Every fixed label in the current language (after a switch, too). */
  applyTexts() {
    const lang = this.state.language;
    this.root.setAttribute("lang", lang);
    this.launcher.lastChild.textContent = this.t("launcher");
    this.title.textContent = this.t("title");
    this.subtitle.textContent = this.t("subtitle");
    this.langButton.textContent = this.t("switch_language");
    this.langButton.setAttribute("lang", this.t("switch_language_code"));
    this.closeButton.setAttribute("aria-label", this.t("close"));
    this.exitButton.textContent = this.t("quick_exit");
    this.exitHint.textContent = this.t("quick_exit_hint");
    this.log.setAttribute("aria-label", this.t("log_label"));
    this.tools.setAttribute("aria-label", this.t("tools"));
    this.counsellorButton.textContent = this.t("counsellor");
    this.locationButton.textContent = this.t("location");
    this.restartButton.textContent = this.t("restart");
    this.inputLabel.textContent = this.t("input_label");
    this.input.setAttribute("placeholder", this.t("input_placeholder"));
    this.sendButton.textContent = this.t("send");
    this.foot.textContent = `${this.t("emergency")} ${this.t("privacy")}`;
    this.eraseButton.textContent = this.t("erase");
    this.privacyNotice.firstChild.textContent = this.t("privacy_notice");
    this.privacyLink.textContent = this.t("privacy_link");
    this.privacyLink.href = `${this.serverUrl}${lang === "en" ? "/privacy" : "/confidentialite"}`;
  }

  // ---- rendering ------------------------------------------------------------------------

  renderRecord(record, isLast) {
    const t = (key) => this.t(key);
    const who = (label, visible) => el("p", { className: visible ? "r211-who" : "r211-sr", text: visible ? label : `${label} :` });
    if (record.cards) {
      return el("li", { className: "r211-msg r211-from-bot r211-msg-cards" }, [
        who(t("assistant"), false),
        el("ul", { className: "r211-cards", "aria-label": t("cards_label") },
          record.cards.map((card) => serviceCard(card, t))),
      ]);
    }
    const kind = { user: "user", counsellor: "counsellor", notice: "notice" }[record.from] || "bot";
    const label = kind === "user" ? t("you") : kind === "counsellor"
      ? (record.name ? fill(t("counsellor_named"), { name: record.name }) : t("counsellor_default"))
      : t("assistant");
    const item = el("li", { className: `r211-msg r211-from-${kind}` }, [
      kind === "notice" ? null : who(label, kind === "counsellor"),
      el("p", { className: "r211-text", text: record.text || "" }),
    ]);
    if (isLast && record.buttons && record.buttons.length) {
      item.append(el("div", { className: "r211-choices", role: "group", "aria-label": t("choices") },
        record.buttons.map((b) => el("button", {
          type: "button", className: "r211-choice", text: b.title,
          onclick: () => this.say(b.payload, { display: b.title, refocus: true }),
        }))));
    }
    return item;
  }

  /** Re-draw every message (restore, sync, language switch) without announcing them all. */
  renderAll() {
    this.log.setAttribute("aria-busy", "true");
    const messages = this.state.messages;
    this.list.replaceChildren(...messages.map((m, i) => this.renderRecord(m, i === messages.length - 1)));
    this.rendered = messages.slice();
    this.log.removeAttribute("aria-busy");
    this.scrollDown();
  }

  /** Show the new state of the messages: append what is new, else re-draw. */
  render() {
    const messages = this.state.messages;
    const prefix = this.rendered.length <= messages.length &&
      this.rendered.every((m, i) => m === messages[i]);
    if (!prefix) return this.renderAll();
    const lastShown = this.list.lastElementChild;
    if (messages.length > this.rendered.length && lastShown) {
      const choices = lastShown.querySelector(".r211-choices");
      if (choices) choices.remove();
    }
    for (let i = this.rendered.length; i < messages.length; i += 1) {
      this.list.append(this.renderRecord(messages[i], i === messages.length - 1));
    }
    this.rendered = messages.slice();
    this.scrollDown();
  }

  scrollDown() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  add(records) {
    if (!records.length) return;
    this.state.messages = merge(this.state.messages, records);
    this.save();
    this.render();
  }

  save() {
    this.store.save({ ...this.state, owner: this.owner });
  }

  announce(text) {
    this.status.textContent = "";
    setTimeout(() => { this.status.textContent = text; }, 50);
  }

  // ---- opening and closing --------------------------------------------------------------

  open(focus) {
    this.setOpen(true, focus);
    if (!this.state.messages.length) this.greet();
  }

  setOpen(open, moveFocus) {
    this.state.open = open;
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.root.classList.toggle("r211-is-open", open);
    this.save();
    if (!moveFocus) return;
    if (open) { this.input.focus(); this.scrollDown(); } else this.launcher.focus();
  }

  // ---- talking --------------------------------------------------------------------------

  metadata(extra = {}) {
    return { language: this.state.language, channel: "web", ...extra };
  }

  /**
   * Send `text` (a message or a /payload); `display` is what the person sees instead. Its
   * own id goes with it (kept if it is sent again: see transport.js).
   */
  async say(text, { display, hidden = false, extra, refocus = false } = {}) {
    this.claim();
    if (!hidden) this.add([{ from: "user", text: display != null ? display : text }]);
    if (refocus) this.input.focus();
    this.showTyping();
    const metadata = this.metadata({ ...extra, message_id: newMessageId() });
    try {
      await this.ready;
      const delivered = await this.transport.send(text, metadata);
      if (delivered) this.turnDone();
      else this.watchSocket();
    } catch (error) {
      this.sendFailed(error);
    }
  }

  /** A message that could not be sent: the dots go, and a polite notice says so. */
  sendFailed(error) {
    this.hideTyping();
    const notice = error && error.notice && error.notice[this.state.language];
    this.add([{ from: "notice", text: notice || this.t("error_offline") }]);
  }

  /**
   * The socket dropped after `messages` were emitted and before any answer came (a server
   * restarting, a network change): each is sent once more over REST after a moment, with its
   * id, so one the server had already handled is answered, not processed again. This replaces
   * the watch for a deaf socket; and if an answer comes over a socket that reconnected
   * meanwhile (the turn went on), the same answers from REST are not shown a second time.
   */
  async resend(messages) {
    this.stopWatching();
    const received = this.receivedCount;
    const accept = () => this.receivedCount === received;
    try {
      await delay(RETRY_DELAY_MS);
      for (const message of messages) {
        await this.transport.sendRest(message, { retry: false, accept });
      }
      if (messages[0].sender === this.state.sessionId) this.turnDone();
    } catch (error) {
      if (messages[0].sender === this.state.sessionId) this.sendFailed(error);
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.say(text);
  }

  greet() {
    this.say(`/greet${JSON.stringify({ language: this.state.language })}`, { hidden: true });
  }

  askHuman() {
    this.say("/ask_human", { display: this.t("counsellor"), refocus: true });
  }

  shareLocation() {
    if (!navigator.geolocation) {
      this.add([{ from: "notice", text: this.t("location_unavailable") }]);
      return;
    }
    this.announce(this.t("location_pending"));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const lat = Math.round(position.coords.latitude * 1000) / 1000;
        const lon = Math.round(position.coords.longitude * 1000) / 1000;
        // the words go to the assistant with the point: its NLU places the point once
        this.say(this.t("location_shared"), { extra: { location: { lat, lon } }, refocus: true });
      },
      (error) => {
        const key = error && error.code === 1 ? "location_denied" : "location_unavailable";
        this.add([{ from: "notice", text: this.t(key) }]);
      },
      { timeout: 15000, maximumAge: 300000 },
    );
  }

  switchLanguage() {
    const target = this.t("switch_language_code");
    this.setLanguage(target);
    this.say(`/change_language${JSON.stringify({ language: target })}`, { hidden: true });
    this.langButton.focus();
  }

  setLanguage(language) {
    const code = normalizeLanguage(language);
    if (!code || code === this.state.language) return;
    this.state.language = code;
    this.save();
    this.applyTexts();
    this.renderAll();
  }

  /** "Start over": the old conversation is reset on the server and forgotten here. */
  restart() {
    this.transport.send("/restart", this.metadata({ message_id: newMessageId() })).catch(() => {});
    this.state = { sessionId: newSessionId(), language: this.state.language, messages: [], open: true };
    this.transport.switchSession(this.state.sessionId);
    this.clearTyping();
    this.save();
    this.renderAll();
    this.announce(this.t("restarted"));
    this.input.focus();
    this.greet();
  }

  /** "Erase my conversation": erased on the server (every store), then in this browser. */
  async erase() {
    const sessionId = this.state.sessionId;
    let done = false;
    try {
      const response = await fetch(`${this.serverUrl}/widget/api/conversations/${sessionId}/forget`, { method: "POST" });
      done = response.ok;
    } catch {
      done = false;
    }
    if (!done) {
      this.add([{ from: "notice", text: this.t("erase_failed") }]);
      return;
    }
    this.forgetHere(true);
    this.add([{ from: "notice", text: this.t("erased") }]);
    this.announce(this.t("erased"));
    this.eraseButton.focus();
  }

  /** Leave at once for a neutral site, leaving no conversation behind in this browser, and
   * ending it on the server (a handoff withdrawn, the conversation restarted). */
  quickExit() {
    const url = `${this.serverUrl}/widget/api/conversations/${this.state.sessionId}/end`;
    try {
      if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
        fetch(url, { method: "POST", keepalive: true }).catch(() => {});
      }
    } catch {
      // leaving matters more than telling the server
    }
    this.store.clear();
    this.state.messages = [];
    this.list.replaceChildren();
    this.panel.hidden = true;
    this.transport.close();
    window.location.replace(this.exitUrl);
  }

  // ---- receiving ------------------------------------------------------------------------

  /**
   * No socket answer in time. A slow turn is normal (a busy server, a slow search) and its
   * answers will come; a deaf socket (a server that never joined the session's room) is not:
   * Rasa's tracker then holds answers that never arrived. Only then are they taken from the
   * tracker, and REST used from now on; otherwise look again a little later.
   */
  watchSocket() {
    this.stopWatching();
    const watch = (this.watch = {});
    const received = this.receivedCount;
    const check = async (round) => {
      if (this.receivedCount !== received || this.watch !== watch) return;
      const before = this.state.messages;
      const data = await this.fetchConversation(this.state.sessionId);
      if (this.receivedCount !== received || this.watch !== watch) return;
      if (data && this.state.messages === before && hasUnseenAnswers(fromServer(data.messages), before)) {
        this.transport.muteSocket();
        this.hideTyping();
        this.adopt(data, before);
      } else if (round < SILENCE_CHECKS) {
        this.silenceTimer = setTimeout(() => check(round + 1), SOCKET_SILENCE_MS);
      }
    };
    this.silenceTimer = setTimeout(() => check(1), SOCKET_SILENCE_MS);
  }

  /** No more looking for a deaf socket (a check under way gives up too). */
  stopWatching() {
    clearTimeout(this.silenceTimer);
    this.watch = null;
  }

  receive(raw) {
    this.receivedCount += 1;
    if (!this.isOwner()) return; // another tab of this conversation records it
    this.add(fromRasa(raw));
    clearTimeout(this.counsellorTypingTimer);
    this.counsellorIsTyping = false; // the message they were typing has come
    this.bumpTyping();
  }

  /**
   * A counsellor is typing (or stopped): the dots and a spoken "… is typing". Kept apart from
   * the wait for the assistant's answer, so the end of one never hides the other.
   */
  counsellorTyping({ typing, name }) {
    clearTimeout(this.counsellorTypingTimer);
    this.counsellorIsTyping = Boolean(typing);
    this.renderTyping();
    if (!typing) return;
    this.announce(fill(this.t("counsellor_typing"), { name: name || this.t("counsellor_default") }));
    this.scrollDown();
    this.counsellorTypingTimer = setTimeout(() => {
      this.counsellorIsTyping = false;
      this.renderTyping();
    }, 8000);
  }

  /** The dots show while an answer is awaited or a counsellor is typing. */
  renderTyping() {
    this.typing.hidden = !(this.awaitingAnswer || this.counsellorIsTyping);
  }

  showTyping() {
    this.awaitingAnswer = true;
    this.renderTyping();
    this.announce(this.t("typing"));
    this.scrollDown();
    clearTimeout(this.idleTimer);
    clearTimeout(this.noAnswerTimer);
    this.noAnswerTimer = setTimeout(() => {
      this.hideTyping();
      this.add([{ from: "notice", text: this.t("error_no_answer") }]);
    }, NO_ANSWER_MS);
  }

  bumpTyping() {
    clearTimeout(this.noAnswerTimer);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.turnDone(), TYPING_IDLE_MS);
  }

  /** The assistant's answer is in (or will not come): its dots go, a counsellor's stay. */
  hideTyping() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.noAnswerTimer);
    this.awaitingAnswer = false;
    this.renderTyping();
  }

  /** A new or forgotten conversation: no dots of any kind carried over. */
  clearTyping() {
    clearTimeout(this.counsellorTypingTimer);
    this.counsellorIsTyping = false;
    this.hideTyping();
  }

  turnDone() {
    this.hideTyping();
    this.syncFromServer(false);
  }

  // ---- tabs and server ------------------------------------------------------------------

  /** This tab records the live answers from now on (the one the person is using). */
  claim() {
    this.owner = this.tabId;
    this.save();
  }

  isOwner() {
    const saved = this.store.load();
    return !saved || !saved.owner || saved.owner === this.tabId;
  }

  onStorage(event) {
    if (!Store.isOurKey(event.key)) return;
    const saved = this.store.load();
    if (!saved) {
      // quick exit or cleared in another tab
      this.state = { sessionId: newSessionId(), language: this.state.language, messages: [], open: false };
      this.transport.switchSession(this.state.sessionId);
      this.renderAll();
      this.setOpen(false, false);
      return;
    }
    this.owner = saved.owner;
    if (saved.sessionId !== this.state.sessionId) this.transport.switchSession(saved.sessionId);
    const languageChanged = saved.language !== this.state.language;
    this.state = { ...saved, open: this.state.open };
    if (languageChanged) this.applyTexts();
    this.render();
  }

  /** The conversation as Rasa's tracker has it, through the web app (which holds the token). */
  async fetchConversation(sessionId) {
    try {
      const response = await fetch(`${this.serverUrl}/widget/api/conversations/${sessionId}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return null;
      const data = await response.json();
      return data && typeof data === "object" && sessionId === this.state.sessionId ? data : null;
    } catch {
      return null;
    }
  }

  /**
   * The tracker is the source of truth: its language follows the person's, and on a restore
   * (or while a counsellor writes and REST is in use) its messages replace the local copy,
   * unless something arrived while it was fetched or it is behind what is shown (a copy
   * taken during a turn, before Rasa saved it).
   */
  async syncFromServer(replaceMessages) {
    const before = this.state.messages;
    const data = await this.fetchConversation(this.state.sessionId);
    if (!data) return;
    if (replaceMessages) this.adopt(data, before);
    else this.followLanguage(data);
    clearTimeout(this.pollTimer);
    if (data.paused && this.transport.mode === "rest") {
      this.pollTimer = setTimeout(() => this.syncFromServer(true), PAUSED_POLL_MS);
    }
  }

  followLanguage(data) {
    const language = normalizeLanguage(data.language);
    if (language && language !== this.state.language) this.setLanguage(language);
  }

  /** Take the server's language, and its messages if `before` is still what is shown. */
  adopt(data, before) {
    this.followLanguage(data);
    const records = fromServer(data.messages);
    if (!records.length || this.state.messages !== before || !isNotBehind(records, before)) return;
    this.state.messages = records;
    this.save();
    this.renderAll();
  }
}

function adoptStyles(shadow, text) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(el("style", { text }));
  }
}
