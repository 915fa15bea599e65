// The playground page: renders what the Slack stand-in holds (messages, threads, modals, App Home)
// from Block Kit JSON, and sends what the person does back to it. Plain JS, no build step, no fetches
// beyond this page's own server.
"use strict";

const S = { state: null, user: null, channel: null, thread: null, home: false, shownView: "", dismissed: new Set() };
const $ = (sel) => document.querySelector(sel);
const EMOJI = { wave: "👋", tada: "🎉", white_check_mark: "✅", warning: "⚠️", x: "❌", calendar: "📅", bell: "🔔",
  chart_with_upwards_trend: "📈", moneybag: "💰", telephone_receiver: "📞", memo: "📝", busts_in_silhouette: "👥",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", coffee: "☕", rocket: "🚀", trophy: "🏆", star: "⭐", fire: "🔥",
  heavy_check_mark: "✔️", email: "📧", envelope: "✉️", inbox_tray: "📥", outbox_tray: "📤", clipboard: "📋",
  pushpin: "📌", mag: "🔍", information_source: "ℹ️", link: "🔗", thumbsup: "👍", "+1": "👍", eyes: "👀",
  page_facing_up: "📄", bar_chart: "📊", alarm_clock: "⏰", handshake: "🤝", red_circle: "🔴", large_green_circle: "🟢",
  large_yellow_circle: "🟡", white_circle: "⚪", zzz: "💤", arrow_right: "➡️", sparkles: "✨", no_entry: "⛔",
  construction: "🚧", sunny: "☀️", spiral_calendar_pad: "🗓️", speech_balloon: "💬", snooze: "😴", small_red_triangle_down: "🔻",
  small_blue_diamond: "🔹", raising_hand: "🙋", paperclip: "📎", package: "📦", no_entry_sign: "🚫", left_speech_bubble: "🗨️",
  label: "🏷️", crossed_swords: "⚔️", checkered_flag: "🏁", bust_in_silhouette: "👤", books: "📚", ballot_box_with_check: "☑️",
  arrow_forward: "▶️" };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}
const esc = (s) => String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const unesc = (s) => String(s ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const me = () => S.state.people.find((p) => p.id === S.user);
const personName = (id) => (S.state.people.find((p) => p.id === id) || {}).name || (id === "UBOT" ? "salesbot" : id);
const channelName = (id) => (S.state.channels.find((c) => c.id === id) || {}).name || id;

async function api(what, body) {
  const answer = await fetch("/ui/" + what, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: S.user, ...body }) });
  return answer.json();
}

// ---- text: mrkdwn and plain_text -----------------------------------------------------------------
function fmtDate(epoch, token, link) {
  const tz = me().tz, d = new Date(epoch * 1000);
  const f = (o) => new Intl.DateTimeFormat("en-GB", { timeZone: tz, ...o }).format(d);
  const map = {
    "{date_num}": () => f({ year: "numeric", month: "2-digit", day: "2-digit" }).split("/").reverse().join("-"),
    "{date}": () => f({ month: "long", day: "numeric", year: "numeric" }),
    "{date_short}": () => f({ month: "short", day: "numeric", year: "numeric" }),
    "{date_long}": () => f({ weekday: "long", month: "long", day: "numeric", year: "numeric" }),
    "{date_pretty}": () => f({ month: "long", day: "numeric", year: "numeric" }),
    "{date_short_pretty}": () => f({ month: "short", day: "numeric", year: "numeric" }),
    "{date_long_pretty}": () => f({ weekday: "long", month: "long", day: "numeric", year: "numeric" }),
    "{time}": () => f({ hour: "2-digit", minute: "2-digit", hour12: false }),
    "{time_secs}": () => f({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
  };
  let out = token;
  for (const [key, render] of Object.entries(map)) if (out.includes(key)) out = out.split(key).join(render());
  return link ? `<a href="${esc(link)}" target="_blank" rel="noopener">${esc(out)}</a>` : esc(out);
}

function special(inner) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) return `<span class="mention">@${esc(personName(target.slice(1)))}</span>`;
  if (target.startsWith("#")) return `<span class="mention">#${esc(label || channelName(target.slice(1)))}</span>`;
  if (target.startsWith("!date^")) {
    const parts = target.split("^");
    return fmtDate(Number(parts[1]), parts[2] || "{date}", parts[3]);
  }
  if (target.startsWith("!subteam^")) return `<span class="mention">@${esc(label || "team")}</span>`;
  if (target.startsWith("!")) return `<span class="mention">@${esc(target.slice(1))}</span>`;
  const url = unesc(target);
  if (!/^(https?:|mailto:)/i.test(url)) return esc(`<${unesc(inner)}>`);  // Slack links only these
  return `<a href="${esc(url)}" target="_blank" rel="noopener">${esc(unesc(label || target))}</a>`;
}
function splitOnce(s, sep) { const i = s.indexOf(sep); return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)]; }
function emoji(html) { return html.replace(/:([a-z0-9_+\-]+):/g, (m, name) => EMOJI[name] || m); }

function inline(text) {
  let html = esc(unesc(text));
  html = html.replace(/`([^`\n]+)`/g, (m, c) => `<code>${c}</code>`);
  html = html.replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,!?:;<])/g, "$1<b>$2</b>");
  html = html.replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,!?:;<])/g, "$1<i>$2</i>");
  html = html.replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,!?:;<])/g, "$1<s>$2</s>");
  return emoji(html);
}

function mrkdwn(text) {
  const blocks = String(text ?? "").split("```");
  return blocks.map((chunk, i) => {
    if (i % 2) return `<pre>${esc(unesc(chunk))}</pre>`;
    const parts = chunk.split(/<([^<>]+)>/g);
    const html = parts.map((part, j) => (j % 2 ? special(part) : inline(part))).join("");
    return html.split("\n").map((line) => line.startsWith("&gt; ") ? `<blockquote>${line.slice(5)}</blockquote>` : line).join("<br>");
  }).join("");
}
function textHtml(t) {
  if (!t) return "";
  return t.type === "mrkdwn" ? mrkdwn(t.text) : (t.emoji === false ? esc(t.text) : emoji(esc(t.text)));
}
const plain = (t) => (t ? t.text : "");

// ---- Block Kit ------------------------------------------------------------------------------
// ctx: {where: "message"|"view"|"home", post?, view?, collectors: {block_id: {action_id: () => raw}}, errors}
function renderBlocks(blocks, ctx) {
  return (blocks || []).map((block) => renderBlock(block, ctx)).filter(Boolean);
}

function renderBlock(b, ctx) {
  switch (b.type) {
    case "header": return el("h3", { class: "block header", html: textHtml(b.text) });
    case "divider": return el("hr", { class: "divider" });
    case "image": return el("figure", { class: "block" }, b.title ? el("figcaption", { html: textHtml(b.title) }) : null,
      el("img", { class: "image-block", src: b.image_url, alt: b.alt_text || "" }));
    case "context": return el("div", { class: "block context" }, (b.elements || []).map((e) => e.type === "image"
      ? el("img", { src: e.image_url, alt: e.alt_text || "" }) : el("span", { html: textHtml(e) })));
    case "section": {
      const fields = b.fields ? el("div", { class: "fields" }, b.fields.map((f) => el("div", { html: textHtml(f) }))) : null;
      return el("div", { class: "block section" }, el("div", { class: "text", html: textHtml(b.text) }, fields),
        b.accessory ? renderElement(b.accessory, b, ctx) : null);
    }
    case "actions": return el("div", { class: "block actions", role: "group" }, (b.elements || []).map((e) => renderElement(e, b, ctx)));
    case "input": return renderInput(b, ctx);
    case "rich_text": return el("div", { class: "block", html: richText(b) });
    default: return el("div", { class: "block", html: b.text ? textHtml(b.text) : "" });
  }
}

function richText(b) {
  const inline = (e) => e.type === "text" ? esc(e.text) : e.type === "user" ? special("@" + e.user_id)
    : e.type === "link" ? special(e.url + (e.text ? "|" + e.text : "")) : e.type === "emoji" ? (EMOJI[e.name] || `:${e.name}:`)
    : e.type === "channel" ? special("#" + e.channel_id) : "";
  return (b.elements || []).map((s) => (s.elements || []).map(inline).join("")).join("<br>");
}

let uid = 0;
const nextId = () => `el${++uid}`;

function collector(ctx, block, element, read) {
  const forBlock = (ctx.collectors[block.block_id] ||= {});
  forBlock[element.action_id] = read;
}

// dispatch a block_actions for `element` (messages, App Home and non-input blocks of views act at once)
function dispatch(ctx, block, element, raw) {
  if (ctx.where === "message") {
    return api("action", { channel: ctx.post.channel, ts: ctx.post.ts, block_id: block.block_id, action_id: element.action_id, raw });
  }
  const values = ctx.where === "view" ? collect(ctx) : {};
  return api("action", { view_id: ctx.view.id, block_id: block.block_id, action_id: element.action_id, raw, values });
}
const acts = (ctx, block) => block.type !== "input" || block.dispatch_action;

function renderElement(e, block, ctx) {
  const id = nextId();
  const live = acts(ctx, block);
  const fire = (raw) => (live ? dispatch(ctx, block, e, raw) : null);
  switch (e.type) {
    case "button": {
      const button = el("button", { type: "button", class: `sk ${e.style || ""}`, id,
        onclick: async () => { if (!e.confirm || (await confirmed(e.confirm))) { if (e.url) window.open(e.url, "_blank"); fire({}); } } },
        plain(e.text));
      return button;
    }
    case "image": return el("img", { src: e.image_url, alt: e.alt_text || "", width: 64 });
    case "overflow": {
      const sel = el("select", { id, "aria-label": "More actions", class: "overflow",
        onchange: (ev) => { const v = ev.target.value; ev.target.value = ""; if (v) confirmThen(e.confirm, () => fire({ option: v })); } },
        el("option", { value: "" }, "⋯"), e.options.map((o) => el("option", { value: o.value }, plain(o.text))));
      return sel;
    }
    case "static_select": case "multi_static_select": return staticSelect(e, block, ctx, id, fire);
    case "users_select": case "multi_users_select": return pickSelect(e, block, ctx, id, fire, S.state.people.map((p) => [p.id, p.name]),
      e.type === "users_select" ? "user" : "users", e.initial_user ? [e.initial_user] : e.initial_users || []);
    case "conversations_select": case "channels_select": case "multi_conversations_select": case "multi_channels_select":
      return pickSelect(e, block, ctx, id, fire, S.state.channels.filter((c) => c.kind === "channel").map((c) => [c.id, "#" + c.name]),
        e.type.startsWith("multi") ? "conversations" : "conversation",
        [e.initial_conversation || e.initial_channel].filter(Boolean).concat(e.initial_conversations || e.initial_channels || []));
    case "external_select": case "multi_external_select": return externalSelect(e, block, ctx, id, fire);
    case "checkboxes": case "radio_buttons": return choices(e, block, ctx, id, fire);
    case "datepicker": return picker(e, block, ctx, id, fire, "date", e.initial_date, "date");
    case "timepicker": return picker(e, block, ctx, id, fire, "time", e.initial_time, "time");
    case "datetimepicker": return picker(e, block, ctx, id, fire, "datetime-local", e.initial_date_time ? wallTime(e.initial_date_time) : "", "datetime");
    case "plain_text_input": case "number_input": case "email_text_input": case "url_text_input": case "rich_text_input":
      return textInput(e, block, ctx, id);
    case "file_input": return el("input", { type: "file", id, disabled: true, title: "File uploads are not simulated" });
    default: return el("span", { class: "hint" }, `[${e.type}]`);
  }
}

function staticSelect(e, block, ctx, id, fire) {
  const multi = e.type.startsWith("multi");
  const initial = new Set((e.initial_options || (e.initial_option ? [e.initial_option] : [])).map((o) => o.value));
  const option = (o) => el("option", { value: o.value, selected: initial.has(o.value) }, plain(o.text));
  const sel = el("select", { id, multiple: multi, "aria-label": plain(e.placeholder) || plain(block.label) || "Select" },
    multi ? null : el("option", { value: "" }, plain(e.placeholder) || "Select an item"),
    (e.options || []).map(option), (e.option_groups || []).map((g) => el("optgroup", { label: plain(g.label) }, g.options.map(option))));
  const read = () => multi ? { options: [...sel.selectedOptions].map((o) => o.value) } : { option: sel.value || null };
  collector(ctx, block, e, read);
  sel.addEventListener("change", () => fire(read()));
  return sel;
}

function pickSelect(e, block, ctx, id, fire, items, key, initial) {
  const multi = e.type.startsWith("multi");
  const chosen = new Set(initial);
  const sel = el("select", { id, multiple: multi, "aria-label": plain(e.placeholder) || "Select" },
    multi ? null : el("option", { value: "" }, plain(e.placeholder) || "Select"),
    items.map(([value, label]) => el("option", { value, selected: chosen.has(value) }, label)));
  const read = () => ({ [key]: multi ? [...sel.selectedOptions].map((o) => o.value) : sel.value || null });
  collector(ctx, block, e, read);
  sel.addEventListener("change", () => fire(read()));
  return sel;
}

function externalSelect(e, block, ctx, id, fire) {
  let picked = e.initial_option || null;
  const list = el("datalist", { id: id + "-list" });
  const input = el("input", { id, type: "text", list: id + "-list", placeholder: plain(e.placeholder) || "Type to search",
    value: picked ? plain(picked.text) : "" });
  let options = [];
  const load = async () => {
    const answer = await api("suggest", { view_id: ctx.view && ctx.view.id, block_id: block.block_id, action_id: e.action_id, value: input.value });
    options = answer.options || [];
    list.replaceChildren(...options.map((o) => el("option", { value: plain(o.text) })));
  };
  input.addEventListener("input", () => {
    const match = options.find((o) => plain(o.text) === input.value);
    if (match) { picked = match; fire({ option: match }); } else { picked = null; load(); }
  });
  input.addEventListener("focus", load);
  collector(ctx, block, e, () => ({ option: picked }));
  return el("div", { class: "ext-select" }, input, list);
}

function choices(e, block, ctx, id, fire) {
  const radio = e.type === "radio_buttons";
  const initial = new Set((e.initial_options || (e.initial_option ? [e.initial_option] : [])).map((o) => o.value));
  const boxes = [];
  const read = () => radio ? { option: (boxes.find((b) => b.checked) || {}).value || null }
    : { options: boxes.filter((b) => b.checked).map((b) => b.value) };
  const group = el("div", { role: radio ? "radiogroup" : "group", id },
    (e.options || []).map((o, i) => {
      const box = el("input", { type: radio ? "radio" : "checkbox", name: id, id: `${id}-${i}`, value: o.value, checked: initial.has(o.value),
        onchange: () => fire(read()) });
      boxes.push(box);
      return el("div", { class: "choice" }, box, el("label", { for: `${id}-${i}`, html: textHtml(o.text) }),
        o.description ? el("div", { class: "hint", html: textHtml(o.description) }) : null);
    }));
  collector(ctx, block, e, read);
  return group;
}

function wallTime(epoch) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: me().tz, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(new Date(epoch * 1000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour === "24" ? "00" : parts.hour}:${parts.minute}`;
}

function picker(e, block, ctx, id, fire, type, initial, key) {
  const input = el("input", { id, type, value: initial || "" });
  const read = () => ({ [key]: input.value || null });
  collector(ctx, block, e, read);
  input.addEventListener("change", () => fire(read()));
  return input;
}

function textInput(e, block, ctx, id) {
  const types = { number_input: "number", email_text_input: "email", url_text_input: "url" };
  const attrs = { id, name: e.action_id, maxlength: e.max_length, minlength: e.min_length, placeholder: plain(e.placeholder) || null };
  const input = e.multiline ? el("textarea", { ...attrs, rows: 3 }) : el("input", { ...attrs, type: types[e.type] || "text",
    step: e.type === "number_input" ? (e.is_decimal_allowed ? "any" : "1") : null, min: e.min_value, max: e.max_value });
  input.value = e.initial_value || "";
  collector(ctx, block, e, () => ({ value: input.value }));
  return input;
}

function renderInput(b, ctx) {
  const element = b.element || {};
  const node = renderElement(element, b, ctx);
  const target = node.matches("input, select, textarea") ? node : node.querySelector("input, select, textarea, [role=group], [role=radiogroup]");
  const labelFor = target && target.id ? target.id : null;
  const error = (ctx.errors || {})[b.block_id];
  return el("div", { class: "block input-block", "data-block-id": b.block_id },
    el("div", { class: "label-row" }, el("label", { for: labelFor }, plain(b.label)),
      b.optional ? el("span", { class: "optional" }, " (optional)") : null),
    node,
    b.hint ? el("div", { class: "hint", html: textHtml(b.hint) }) : null,
    error ? el("div", { class: "field-error", role: "alert" }, error) : null);
}

// Slack's client refuses an empty required input (and a too-short text) before the app hears of it
function clientErrors(view, values) {
  const errors = {};
  for (const b of view.blocks || []) {
    if (b.type !== "input" || !b.element) continue;
    const raw = (values[b.block_id] || {})[b.element.action_id] || {};
    const given = Object.values(raw).some((v) => (Array.isArray(v) ? v.length : v !== null && v !== undefined && String(v).trim() !== ""));
    if (!b.optional && !given) errors[b.block_id] = "Please complete this required field.";
    else if (given && b.element.min_length && String(raw.value || "").length < b.element.min_length)
      errors[b.block_id] = `Please enter at least ${b.element.min_length} characters.`;
  }
  return errors;
}

function showErrors(dialog, errors) {
  for (const old of dialog.querySelectorAll(".field-error")) old.remove();
  for (const [blockId, message] of Object.entries(errors || {})) {
    const block = dialog.querySelector(`.input-block[data-block-id="${CSS.escape(blockId)}"]`);
    if (block) block.append(el("div", { class: "field-error", role: "alert" }, message));
  }
  const first = dialog.querySelector(".field-error");
  if (first) first.scrollIntoView({ block: "center" });
}

function collect(ctx) {
  const values = {};
  for (const [blockId, actions] of Object.entries(ctx.collectors)) {
    values[blockId] = {};
    for (const [actionId, read] of Object.entries(actions)) values[blockId][actionId] = read();
  }
  return values;
}

function confirmed(c) {
  return new Promise((resolve) => {
    const dialog = $("#confirm");
    $("#confirm-title").textContent = plain(c.title) || "Are you sure?";
    $("#confirm-text").innerHTML = textHtml(c.text);
    $("#confirm-ok").textContent = plain(c.confirm) || "Yes";
    $("#confirm-deny").textContent = plain(c.deny) || "Cancel";
    $("#confirm-ok").onclick = () => { dialog.close(); resolve(true); };
    $("#confirm-deny").onclick = () => { dialog.close(); resolve(false); };
    dialog.showModal();
  });
}
async function confirmThen(c, go) { if (!c || (await confirmed(c))) go(); }

// ---- messages, threads, home ----------------------------------------------------------------
function renderPost(post, inThread) {
  const ctx = { where: "message", post, collectors: {} };
  const replies = S.state.posts.filter((p) => p.thread_ts === post.ts && p.channel === post.channel && p.ts !== post.ts);
  const when = new Intl.DateTimeFormat("en-GB", { timeZone: me().tz, hour: "2-digit", minute: "2-digit" }).format(new Date(Number(post.ts) * 1000));
  const bot = post.user === "UBOT";
  const body = post.blocks && post.blocks.length ? renderBlocks(post.blocks, ctx) : [el("div", { html: mrkdwn(post.text) })];
  const files = (post.files || []).map((f) => /\.png$|\.jpe?g$|\.gif$/i.test(f.name)
    ? el("figure", { class: "file" }, el("img", { src: `/ui/files/${f.id}`, alt: f.title || f.name }), el("figcaption", {}, f.title || f.name))
    : el("div", { class: "file" }, el("a", { href: `/ui/files/${f.id}`, download: f.name }, `Download ${f.name}`)));
  const messageShortcuts = S.state.shortcuts.filter((s) => s.type === "message");
  const tools = el("div", { class: "msg-tools" },
    !inThread && !post.ephemeral ? el("button", { type: "button", onclick: () => openThread(post) },
      replies.length ? `${replies.length} ${replies.length === 1 ? "reply" : "replies"}` : "Reply in thread") : null,
    !post.ephemeral && messageShortcuts.length ? moreMenu(post, messageShortcuts) : null);
  return el("article", { class: `msg${post.ephemeral ? " ephemeral" : ""}`, "data-ts": post.ts, "data-channel": post.channel },
    el("div", { class: "avatar" }, bot ? "S" : personName(post.user)[0]),
    el("div", { class: "msg-body" },
      el("div", { class: "meta" }, el("strong", {}, personName(post.user)), bot ? el("span", { class: "app-tag" }, "APP") : null, when,
        post.edited ? " (edited)" : ""),
      post.ephemeral ? el("div", { class: "only-you" }, "👁 Only visible to you") : null,
      post.blocks && post.blocks.length && post.text && !bot ? el("div", { html: mrkdwn(post.text) }) : null,
      body, files, tools));
}

function moreMenu(post, shortcuts) {
  const list = el("ul", { hidden: true }, shortcuts.map((s) => el("li", {}, el("button", { type: "button",
    onclick: () => { list.hidden = true; api("shortcut", { callback_id: s.callback_id, channel: post.channel, ts: post.ts }); } }, s.name))));
  return el("div", { class: "more" }, el("button", { type: "button", "aria-label": "More actions", onclick: () => { list.hidden = !list.hidden; } }, "⋯ More actions"), list);
}

function openThread(post) { S.thread = { channel: post.channel, ts: post.ts }; render(); $("#reply").focus(); }

// an unchanged message keeps its DOM node: images stay loaded, a half-made choice stays made
const rendered = new Map();
function cachedPost(post) {
  const replies = S.state.posts.filter((p) => p.thread_ts === post.ts && p.channel === post.channel && p.ts !== post.ts).length;
  const key = `${S.user}|${replies}|${JSON.stringify(post)}`;
  const id = `${post.channel}/${post.ts}`;
  const hit = rendered.get(id);
  if (hit && hit.key === key) return hit.node;
  const node = renderPost(post, false);
  rendered.set(id, { key, node });
  return node;
}

function renderMessages() {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const posts = S.state.posts.filter((p) => p.channel === S.channel && (!p.thread_ts || p.thread_ts === p.ts || p.ephemeral));
  box.replaceChildren(...posts.map((p) => cachedPost(p)));
  if (!posts.length) box.append(el("p", { class: "hint" }, S.channel.startsWith("D")
    ? "This is your direct message with salesbot. Type / in Message to see its commands: try /lead, /opp or /pipeline."
    : "No messages yet."));
  if (atBottom || S.scrollDown) { box.scrollTop = box.scrollHeight; S.scrollDown = false; }
  const pane = $("#thread");
  const parent = S.thread && S.state.posts.find((p) => p.channel === S.thread.channel && p.ts === S.thread.ts);
  pane.hidden = !parent;
  if (parent) {
    const replies = S.state.posts.filter((p) => p.thread_ts === parent.ts && p.channel === parent.channel && p.ts !== parent.ts);
    $("#thread-messages").replaceChildren(renderPost(parent, true), el("hr"), ...replies.map((p) => renderPost(p, true)));
  }
}

function renderHome() {
  const view = S.state.home;
  const ctx = { where: "home", view, collectors: {} };
  $("#home").replaceChildren(...(view ? renderBlocks(view.blocks, ctx) : [el("p", {}, "Opening Home…")]));
}

function renderModal() {
  const views = S.state.views || [];
  const top = views[views.length - 1];
  const key = top ? `${S.user}:${top.id}:${top.hash}` : "";
  if (key === S.shownView) {  // same view: keep what the person typed, refresh only the app's field errors
    const errors = JSON.stringify(top ? top.errors || {} : {});
    if (top && errors !== S.shownErrors) { S.shownErrors = errors; showErrors($("#modals dialog"), top.errors); }
    return;
  }
  S.shownView = key;
  S.shownErrors = JSON.stringify(top ? top.errors || {} : {});
  const host = $("#modals");
  host.replaceChildren();
  if (!top) return;
  const ctx = { where: "view", view: top, collectors: {}, errors: top.errors || {} };
  const titleId = nextId();
  const dialog = el("dialog", { class: "modal", "aria-labelledby": titleId },
    el("h2", { id: titleId }, plain(top.title)),
    el("form", { method: "dialog", novalidate: true, onsubmit: (ev) => {
      ev.preventDefault();
      const values = collect(ctx), errors = clientErrors(top, values);
      showErrors(dialog, errors);
      S.shownErrors = null;  // whatever the app answers next is shown, even the same errors again
      if (!Object.keys(errors).length) api("submit", { view_id: top.id, values });
    } },
      el("div", { class: "modal-body" }, renderBlocks(top.blocks, ctx)),
      el("div", { class: "dialog-buttons" },
        el("button", { type: "button", onclick: () => api("close", { view_id: top.id }) }, plain(top.close) || (views.length > 1 ? "Back" : "Close")),
        top.submit ? el("button", { type: "submit", class: "primary" }, plain(top.submit)) : null)));
  dialog.addEventListener("cancel", (ev) => { ev.preventDefault(); api("close", { view_id: top.id }); });
  host.append(dialog);
  dialog.showModal();
  if (top.errors) showErrors(dialog, top.errors);
}

function renderAlerts() {
  const alerts = (S.state.alerts || []).filter((a) => !S.dismissed.has(a.id) && a.at > S.since);
  $("#alerts").replaceChildren(...alerts.map((a) => el("div", { class: "alert", role: "alert" },
    el("button", { type: "button", "aria-label": "Dismiss", onclick: () => { S.dismissed.add(a.id); renderAlerts(); } }, "×"), a.text)));
}

function renderSidebar() {
  const link = (label, onclick, current) => el("a", { href: "#", "aria-current": current ? "page" : null,
    onclick: (ev) => { ev.preventDefault(); onclick(); } }, label);
  const channels = S.state.channels.filter((c) => c.kind === "channel");
  const dm = S.state.channels.find((c) => c.kind === "im");
  $("#sidebar").replaceChildren(
    el("h2", {}, "Channels"),
    ...channels.map((c) => link("#" + c.name, () => go(c.id), !S.home && S.channel === c.id)),
    el("h2", {}, "Apps"),
    dm ? link("salesbot", () => go(dm.id), !S.home && S.channel === dm.id) : null,
    link("Home", () => { S.home = true; api("home", {}); render(); }, S.home));
}

function go(channel) { S.home = false; S.channel = channel; S.thread = null; S.scrollDown = true; render(); $("#message").focus(); }

function renderClock() {
  const tz = me().tz;
  const now = new Intl.DateTimeFormat("en-GB", { timeZone: tz, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })
    .format(new Date(S.state.now * 1000));
  const ahead = S.state.offset > 30 ? ` · ${Math.round(S.state.offset / 60)} min ahead` : "";
  $("#clock").textContent = `${now} (${tz})${ahead}`;
}

function render() {
  if (!S.state) return;
  document.body.dataset.user = S.state.me;
  const acting = $("#acting");
  if (!acting.options.length) {
    for (const p of S.state.people) acting.append(el("option", { value: p.id }, `${p.name} (${p.role})`));
    acting.value = S.user;
  }
  renderSidebar();
  renderClock();
  const dm = S.state.channels.find((c) => c.kind === "im");
  $("#title").textContent = S.home ? "salesbot · Home" : (S.channel === (dm && dm.id) ? "salesbot" : "#" + channelName(S.channel));
  $("#messages").hidden = S.home;
  $("#composer").hidden = S.home;
  $("#home").hidden = !S.home;
  if (S.home) renderHome(); else renderMessages();
  renderModal();
  renderAlerts();
  $("#shortcuts").replaceChildren(...S.state.shortcuts.filter((s) => s.type === "global").map((s) => el("li", {},
    el("button", { type: "button", onclick: () => { $("#shortcuts").hidden = true; api("shortcut", { callback_id: s.callback_id }); } }, s.name))));
}

// one state request at a time; a change announced meanwhile triggers one more (never an older state last)
async function refresh() {
  if (S.loading) { S.again = true; return; }
  S.loading = true;
  try {
    do { S.again = false; await load(); } while (S.again);
  } finally { S.loading = false; }
}

async function load() {
  const answer = await fetch(`/ui/state?user=${encodeURIComponent(S.user || "")}`);
  S.state = await answer.json();
  if (!S.user) S.user = S.state.me;
  if (S.linked) {  // opened from a permalink: that channel, and the thread when the message has one
    const { channel, ts } = S.linked;
    S.linked = null;
    const post = S.state.posts.find((p) => p.channel === channel && p.ts === ts);
    if (S.state.channels.some((c) => c.id === channel)) S.channel = channel;
    if (post) S.thread = { channel, ts: post.thread_ts || post.ts };
  }
  if (!S.channel || !S.state.channels.some((c) => c.id === S.channel)) S.channel = (S.state.channels.find((c) => c.kind === "im") || S.state.channels[0]).id;
  render();
}

// ---- composer ---------------------------------------------------------------------------------
function suggest() {
  const input = $("#message"), list = $("#suggestions");
  const text = input.value;
  const matches = text.startsWith("/") && !text.includes(" ") ? S.state.commands.filter((c) => c.name.startsWith(text)) : [];
  list.hidden = !matches.length;
  list.replaceChildren(...matches.map((c) => el("li", { role: "option", onclick: () => { input.value = c.name + " "; list.hidden = true; input.focus(); } },
    el("b", {}, c.name), " ", c.usage ? el("span", { class: "hint" }, c.usage + " ") : null, el("span", { class: "hint" }, c.description))));
}

function setUp() {
  $("#composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("#message").value.trim();
    if (!text) return;
    $("#message").value = ""; $("#suggestions").hidden = true; S.scrollDown = true;
    api("send", { channel: S.channel, text });
  });
  $("#message").addEventListener("input", suggest);
  $("#thread-composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("#reply").value.trim();
    if (!text || !S.thread) return;
    $("#reply").value = "";
    api("send", { channel: S.thread.channel, thread_ts: S.thread.ts, text });
  });
  $("#close-thread").addEventListener("click", () => { S.thread = null; render(); });
  $("#acting").addEventListener("change", (ev) => {
    S.user = ev.target.value; S.shownView = "-"; S.thread = null; S.channel = null; S.home = false;
    delete document.body.dataset.user;
    $("#messages").replaceChildren();  // nothing of the previous person stays clickable
    refresh();
  });
  for (const button of document.querySelectorAll("[data-skip]")) button.addEventListener("click", () => api("skip", { choice: button.dataset.skip }));
  $("#shortcuts-button").addEventListener("click", () => { const l = $("#shortcuts"); l.hidden = !l.hidden; $("#shortcuts-button").setAttribute("aria-expanded", String(!l.hidden)); });
  S.since = Date.now() / 1000 - 5;
  const params = new URLSearchParams(location.search);
  if (params.get("channel")) S.linked = { channel: params.get("channel"), ts: params.get("ts") };
  const events = new EventSource("/ui/events");
  events.onmessage = () => refresh();
  refresh();
}
setUp();
