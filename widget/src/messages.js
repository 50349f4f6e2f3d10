// Rasa's outputs (socket.io `bot_uttered` events, REST webhook items, the web app's history
// endpoint) turned into the widget's own message records, which are plain JSON so that they
// can be stored. Nothing here touches the DOM: rendering is render.js's job.
//
// Record shapes: {from: "user"|"bot"|"counsellor"|"notice", text?, buttons?, cards?, name?}.

function asText(value) {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function buttonsOf(raw) {
  const list = raw.buttons || raw.quick_replies || [];
  return Array.isArray(list)
    ? list
        .filter((b) => b && typeof b.payload === "string" && b.title != null)
        .map((b) => ({ title: asText(b.title), payload: b.payload }))
    : [];
}

function number(value) {
  const n = typeof value === "number" ? value : parseFloat(value);
  return Number.isFinite(n) ? n : null;
}

/** Only the fields the widget shows, with the right types (the payload comes from afar).
 * The words (distance, opening, fictional marker) were written by the server's one formatter
 * in the conversation's language (bot/texts/formats.py): the widget shows them as they are. */
export function cleanCard(card) {
  const words = card.text && typeof card.text === "object" ? card.text : {};
  return {
    name: asText(card.name),
    organization: asText(card.organization),
    distance: asText(words.distance),
    open_now: card.open_now === true,
    status: asText(words.status),
    phone: card.phone ? asText(card.phone) : "",
    address: card.address ? asText(card.address) : "",
    url: card.url ? asText(card.url) : "",
    fictional: card.fictional === true,
  };
}

/** The custom payload of a message, whichever way the channel wrapped it. */
export function customOf(raw) {
  let custom = raw.custom !== undefined ? raw.custom : raw.type ? raw : null;
  if (custom && typeof custom === "object" && !custom.type && custom.data) custom = custom.data;
  return custom && typeof custom === "object" ? custom : null;
}

/** One raw Rasa message → zero or more records. */
export function fromRasa(raw) {
  if (!raw || typeof raw !== "object") return [];
  const custom = customOf(raw);
  if (custom && custom.type === "service_results" && Array.isArray(custom.cards)) {
    const records = custom.widened ? [{ from: "bot", text: asText(custom.widened) }] : [];
    records.push({
      from: "bot", cards: custom.cards.filter((c) => c && typeof c === "object").map(cleanCard),
    });
    return records;
  }
  if (custom && custom.type === "counsellor_message") {
    return [{ from: "counsellor", name: asText(custom.name), text: asText(custom.text) }];
  }
  const text = asText(raw.text);
  const buttons = buttonsOf(raw);
  if (!text && !buttons.length) return [];
  const record = { from: "bot", text };
  if (buttons.length) record.buttons = buttons;
  return [record];
}

/**
 * Append `incoming` to `messages` and return the new list. A counsellor marker without text
 * restyles the bot text just before it (the shape a counsellor's message takes over REST).
 */
export function merge(messages, incoming) {
  const out = messages.slice();
  for (const record of incoming) {
    const last = out[out.length - 1];
    if (record.from === "counsellor" && last && last.from === "bot" && last.text &&
        (!record.text || record.text === last.text)) {
      out[out.length - 1] = { from: "counsellor", name: record.name, text: last.text };
      continue;
    }
    if (record.from === "counsellor" && !record.text) continue;
    out.push(record);
  }
  return out;
}

/** The web app's conversation view (`/widget/api/conversations/…`) → records, merged. */
export function fromServer(messages) {
  const records = [];
  for (const raw of Array.isArray(messages) ? messages : []) {
    if (!raw || typeof raw !== "object") continue;
    if (raw.from === "user") records.push({ from: "user", text: asText(raw.text) });
    else records.push(...fromRasa(raw).map((r) => (raw.from === "counsellor" && !r.cards
      ? { from: "counsellor", name: asText(raw.name), text: r.text } : r)));
  }
  return merge([], records);
}

/** How far a conversation has gone: what the person wrote, and everything shown but notices
 * (the widget's own, never on the server). */
function progress(records) {
  let said = 0;
  let shown = 0;
  for (const record of records) {
    if (record.from === "notice") continue;
    shown += 1;
    if (record.from === "user") said += 1;
  }
  return { said, shown };
}

/**
 * Whether the server's copy is at least as far along as the local one. Rasa saves its tracker
 * at the end of a turn, so a copy taken during a turn lacks the person's last message and the
 * answers already received over socket.io: it must not replace them.
 */
export function isNotBehind(server, local) {
  const a = progress(server);
  const b = progress(local);
  return a.said >= b.said && a.shown >= b.shown;
}

/** Whether the server's copy has answers the widget never received (a deaf socket). */
export function hasUnseenAnswers(server, local) {
  const a = progress(server);
  const b = progress(local);
  return a.said >= b.said && a.shown > b.shown;
}
