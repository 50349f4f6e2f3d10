// The conversation kept in the browser (localStorage): it survives a reload and is shared by
// the tabs of the site. The server's tracker stays the source of truth (see ui.js sync).

const KEY = "relais211.conversation.v1";
const MAX_MESSAGES = 200;

export function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Store {
  constructor(storage = safeStorage()) {
    this.storage = storage;
  }

  /** {sessionId, language, messages, open, owner} or null when nothing is kept. */
  load() {
    try {
      const raw = this.storage && this.storage.getItem(KEY);
      const state = raw ? JSON.parse(raw) : null;
      if (!state || typeof state.sessionId !== "string" || !Array.isArray(state.messages)) {
        return null;
      }
      return state;
    } catch {
      return null;
    }
  }

  save(state) {
    if (!this.storage) return;
    const kept = { ...state, messages: state.messages.slice(-MAX_MESSAGES) };
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
