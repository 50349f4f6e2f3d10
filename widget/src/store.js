// The conversation kept in the browser (localStorage): it survives a reload and is shared by
// the tabs of the site. The server's tracker stays the source of truth (see ui.js sync).
// Law 25, as little as possible in the browser: a conversation left alone for `idleMs`
// (30 minutes, boot.json `history_minutes`) is gone at the next look, and quick exit clears it.

const KEY = "relais211.conversation.v1";
const MAX_MESSAGES = 200;

export function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh id for one message the person sends (32 hex characters), kept when it is sent again:
 * the server then answers it without processing it twice (`metadata.message_id`). */
export function newMessageId() {
  const c = typeof crypto !== "undefined" ? crypto : null;
  if (c && typeof c.randomUUID === "function") return c.randomUUID().replace(/-/g, "");
  if (c && typeof c.getRandomValues === "function") return newSessionId();
  let id = "";
  while (id.length < 32) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}

export const IDLE_MS = 30 * 60 * 1000;

export class Store {
  constructor(storage = safeStorage(), idleMs = IDLE_MS) {
    this.storage = storage;
    this.idleMs = idleMs;
  }

  /** {sessionId, language, messages, open, owner, savedAt} or null when nothing is kept
   * (or what was kept expired: it is removed then). */
  load() {
    try {
      const raw = this.storage && this.storage.getItem(KEY);
      const state = raw ? JSON.parse(raw) : null;
      if (!state || typeof state.sessionId !== "string" || !Array.isArray(state.messages)) {
        return null;
      }
      if (this.expired(state)) {
        this.clear();
        return null;
      }
      return state;
    } catch {
      return null;
    }
  }

  /** Whether a kept conversation was left alone too long (or carries no time at all). */
  expired(state) {
    const savedAt = Number(state && state.savedAt);
    return !savedAt || Date.now() - savedAt > this.idleMs;
  }

  save(state) {
    if (!this.storage) return;
    const kept = { ...state, messages: state.messages.slice(-MAX_MESSAGES), savedAt: Date.now() };
    try {
      this.storage.setItem(KEY, JSON.stringify(kept));
    } catch {
      // storage full or forbidden: the conversation still works, it just won't survive a reload
    }
  }

  clear() {
    try {
      this.storage && this.storage.removeItem(KEY);
    } catch {
      // nothing kept, nothing to clear
    }
  }

  static isOurKey(key) {
    return key === KEY;
  }
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
