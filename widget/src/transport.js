// Talking to Rasa: its socket.io channel (session_request/session_confirm, user_uttered,
// bot_uttered; session_persistence on, so a session id keeps its conversation), and its REST
// channel when socket.io is blocked or down: each message then goes the way that works now.
import { io } from "socket.io-client";

const CONFIRM_TIMEOUT_MS = 4000;

export class Transport {
  /**
   * @param {{socketUrl: string, onMessage: (raw: object) => void}} options
   */
  constructor({ socketUrl, onMessage, onCounsellorTyping }) {
    this.socketUrl = socketUrl;
    this.onCounsellorTyping = onCounsellorTyping || (() => {});
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
      socket.on("disconnect", () => {
        this.confirmed = false;
      });
      socket.on("bot_uttered", (raw) => this.onMessage(raw));
      socket.on("counsellor_typing", (data) => this.onCounsellorTyping(data || {}));
    });
  }

  /**
   * Socket.io connects but answers never come (a server that does not join the session's
   * room): send over REST from now on, and receive socket answers only if they ever arrive.
   */
  muteSocket() {
    this.mute = true;
  }

  /** Use another session id (after "start over") on the same connection. */
  switchSession(sessionId) {
    this.sessionId = sessionId;
    this.confirmed = false;
    if (this.socket && this.socket.connected) {
      this.socket.emit("session_request", { session_id: sessionId });
    }
  }

  /** The channel a message would go through right now. */
  get mode() {
    return this.socket && this.socket.connected && this.confirmed && !this.mute ? "socketio" : "rest";
  }

  /**
   * Send a message. Over socket.io the answers arrive later through onMessage (resolves
   * `false`); over REST they are delivered before the promise resolves (`true`).
   */
  async send(text, metadata) {
    if (this.mode === "socketio") {
      this.socket.emit("user_uttered", { message: text, session_id: this.sessionId, metadata });
      return false;
    }
    const response = await fetch(this.restUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.sessionId, message: text, metadata }),
    });
    if (!response.ok) {
      const error = new Error(`REST channel: HTTP ${response.status}`);
      if (response.status === 429 || response.status === 413) {
        // Over a limit: the server says why, in both languages ({error: {message: {fr, en}}}).
        const body = await response.json().catch(() => null);
        error.notice = body && body.error && body.error.message;
      }
      throw error;
    }
    const answers = await response.json();
    for (const raw of Array.isArray(answers) ? answers : []) this.onMessage(raw);
    return true;
  }

  /** Tell a counsellor who holds the conversation that the person is typing (socket.io only,
   * once every 3 s at most; the server keeps it out of the conversation). */
  typing() {
    if (this.mode !== "socketio" || Date.now() - this.typedAt < 3000) return;
    this.typedAt = Date.now();
    this.socket.emit("user_typing", { session_id: this.sessionId });
  }

  close() {
    if (this.socket) this.socket.close();
    this.socket = null;
    this.confirmed = false;
  }
}
