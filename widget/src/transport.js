// Talking to Rasa: its socket.io channel (session_request/session_confirm, user_uttered,
// bot_uttered; session_persistence on, so a session id keeps its conversation), and its REST
// channel when socket.io is blocked or down: each message then goes the way that works now.
//
// Each message carries its own id, `metadata.message_id`, the same when it is sent again: the
// server answers a message it already has with the answers it gave, without processing it
// twice (bot/runtime/resent.py). So a send that failed (a network error, a 502/503/504 while
// an instance restarts, a socket that dropped before any answer) is safely tried once more.
import { io } from "socket.io-client";

const CONFIRM_TIMEOUT_MS = 4000;
export const RETRY_DELAY_MS = 1000;
const RETRY_STATUSES = [502, 503, 504];

/** Resolves after `ms` (a timer, not a busy wait). */
export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Transport {
  /**
   * @param {{socketUrl: string, onMessage: (raw: object) => void}} options
   */
  constructor({ socketUrl, onMessage, onCounsellorTyping, onLost }) {
    this.socketUrl = socketUrl;
    this.onCounsellorTyping = onCounsellorTyping || (() => {});
    this.onLost = onLost || (() => {});
    // messages emitted over socket.io since the last answer came: sent again (over REST)
    // when the socket drops before any answer
    this.unanswered = [];
    this.typedAt = 0;
    this.restUrl = `${socketUrl}/webhooks/rest/webhook`;
    this.onMessage = onMessage;
    this.sessionId = null;
    this.confirmed = false;
    this.socket = null;
    this.mute = false;
  }

  /** Connect and ask for `sessionId`'s room; resolves once confirmed or after a timeout. */
  start(sessionId) {
    this.sessionId = sessionId;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CONFIRM_TIMEOUT_MS);
      const socket = io(this.socketUrl, {
        path: "/socket.io",
        timeout: CONFIRM_TIMEOUT_MS,
        reconnectionDelayMax: 10000,
      });
      this.socket = socket;
      socket.on("connect", () => {
        this.confirmed = false;
        socket.emit("session_request", { session_id: this.sessionId });
      });
      socket.on("session_confirm", (id) => {
        const confirmedId = typeof id === "string" ? id : id && id.session_id;
        this.confirmed = confirmedId === this.sessionId;
        clearTimeout(timer);
        resolve();
      });
      socket.on("disconnect", (reason) => {
        this.confirmed = false;
        const lost = this.unanswered;
        this.unanswered = [];
        if (lost.length && reason !== "io client disconnect") this.onLost(lost);
      });
      socket.on("bot_uttered", (raw) => {
        this.unanswered = []; // an answer came (which message it answers, the event does not say)
        this.onMessage(raw);
      });
      socket.on("counsellor_typing", (data) => this.onCounsellorTyping(data || {}));
    });
  }

  /**
   * Socket.io connects but answers never come (a server that does not join the session's
   * room): send over REST from now on, and receive socket answers only if they ever arrive.
   */
  muteSocket() {
    this.mute = true;
    this.unanswered = []; // their answers were taken from the conversation
  }

  /** Use another session id (after "start over") on the same connection. */
  switchSession(sessionId) {
    this.sessionId = sessionId;
    this.confirmed = false;
    this.unanswered = [];
    if (this.socket && this.socket.connected) {
      this.socket.emit("session_request", { session_id: sessionId });
    }
  }

  /** The channel a message would go through right now. */
  get mode() {
    return this.socket && this.socket.connected && this.confirmed && !this.mute ? "socketio" : "rest";
  }

  /**
   * Send a message (its `metadata.message_id` included). Over socket.io the answers arrive
   * later through onMessage (resolves `false`); over REST they are delivered before the
   * promise resolves (`true`).
   */
  async send(text, metadata) {
    const message = { text, metadata, sender: this.sessionId };
    if (this.mode === "socketio") {
      this.unanswered.push(message);
      this.socket.emit("user_uttered", { message: text, session_id: message.sender, metadata });
      return false;
    }
    await this.sendRest(message);
    return true;
  }

  /**
   * Send `message` ({text, metadata, sender}) over REST and deliver its answers through
   * onMessage. On a network error or a 502/503/504 it is sent once more after a moment
   * (`retry`), with the same id. `accept()` false when the answers come: they are not
   * delivered (they came another way). The answers of a conversation no longer shown (the
   * person started over meanwhile) are not delivered either.
   */
  async sendRest(message, { retry = true, accept = () => true } = {}) {
    let answers;
    try {
      answers = await this.post(message);
    } catch (error) {
      if (!retry || !error.retry) throw error;
      await delay(RETRY_DELAY_MS);
      answers = await this.post(message);
    }
    if (message.sender !== this.sessionId || !accept()) return;
    for (const raw of answers) this.onMessage(raw);
  }

  /** One REST request: the answers, or an error (`retry`: worth trying again; `notice`:
   * the server's own words for a refusal, {fr, en}). */
  async post({ text, metadata, sender }) {
    let response;
    try {
      response = await fetch(this.restUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message: text, metadata }),
      });
    } catch (error) {
      throw retryable(error);
    }
    if (!response.ok) {
      const error = new Error(`REST channel: HTTP ${response.status}`);
      error.retry = RETRY_STATUSES.includes(response.status);
      if (response.status === 429 || response.status === 413) {
        // Over a limit: the server says why, in both languages ({error: {message: {fr, en}}}).
        const body = await response.json().catch(() => null);
        error.notice = body && body.error && body.error.message;
      }
      throw error;
    }
    let answers;
    try {
      answers = await response.json(); // a connection cut during the body rejects here
    } catch (error) {
      throw retryable(error);
    }
    return Array.isArray(answers) ? answers : [];
  }

  /** Tell a counsellor who holds the conversation that the person is typing (socket.io only,
   * once every 3 s at most; the server keeps it out of the conversation). */
  typing() {
    if (this.mode !== "socketio" || Date.now() - this.typedAt < 3000) return;
    this.typedAt = Date.now();
    this.socket.emit("user_typing", { session_id: this.sessionId });
  }

  close() {
    this.unanswered = [];
    if (this.socket) this.socket.close();
    this.socket = null;
    this.confirmed = false;
  }
}

function retryable(error) {
  const out = error instanceof Error ? error : new Error(String(error));
  out.retry = true;
  return out;
}
