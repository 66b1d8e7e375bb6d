// kopdana sandbox chat page: talks to /sandbox/api, long-polls the transcript.
// Message HTML comes pre-rendered by the server from text + entities with only the
// Telegram formatting tags allowed and everything else escaped; all other strings are
// inserted as text.
"use strict";

(() => {
  const API = "/sandbox/api";
  const NEW_USER = "__new__";
  const $ = (id) => document.getElementById(id);
  const chat = $("chat");
  const state = {
    userId: null, lastSeq: 0, rows: new Map(), generation: 0, abort: null, offline: false,
  };

  async function call(method, path, body, signal) {
    const init = { method, signal, headers: {} };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(API + path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
      throw new Error(detail || response.statusText);
    }
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  let toastTimer = null;
  function toast(text, alertBox) {
    if (alertBox) {
      window.alert(text);
      return;
    }
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  function formatTime(unix) {
    const date = new Date(unix * 1000);
    return date.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
  }

  // ---- rendering ---------------------------------------------------------------------

  function renderBubble(ev) {
    const bubble = el("div", "bubble");
    if (ev.deleted) {
      bubble.classList.add("deleted");
      bubble.textContent = "Pesan dihapus";
      return bubble;
    }
    if (ev.photo) {
      const img = el("img");
      img.src = ev.photo.url;
      img.alt = "Foto";
      img.loading = "lazy";
      bubble.append(img);
    }
    if (ev.document) {
      const link = el("a", "doc");
      link.href = ev.document.url;
      link.setAttribute("download", ev.document.file_name || "dokumen");
      link.append(el("span", "doc-icon", "📄"));
      const name = ev.document.file_name || "dokumen";
      link.append(el("span", "", name + " · " + formatSize(ev.document.file_size || 0)));
      bubble.append(link);
    }
    if (ev.contact) {
      const who = [ev.contact.first_name, ev.contact.last_name].filter(Boolean).join(" ");
      bubble.append(el("div", "", "📇 " + who + " · " + ev.contact.phone_number));
    }
    if (ev.html) {
      const body = el("div", "text");
      body.innerHTML = ev.html; // server-rendered, whitelisted and escaped
      bubble.append(body);
    }
    const meta = el("div", "meta", (ev.edited ? "diedit · " : "") + formatTime(ev.date));
    bubble.append(meta);
    return bubble;
  }

  function renderInlineKeyboard(ev) {
    const rows = (ev.reply_markup && ev.reply_markup.inline_keyboard) || [];
    if (!rows.length || ev.deleted) return null;
    const box = el("div", "inline-kb");
    for (const row of rows) {
      const line = el("div", "kb-row");
      for (const button of row) {
        if (button.url) {
          const link = el("a", "", button.text + " ↗");
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
          continue;
        }
        const node = el("button", "", button.text);
        node.type = "button";
        if (button.callback_data === undefined) {
          node.disabled = true;
        } else {
          node.addEventListener("click", () => pressInline(ev.message_id, button.callback_data));
        }
        line.append(node);
      }
      box.append(line);
    }
    return box;
  }

  function renderRow(ev) {
    const row = el("div", "row " + ev.direction);
    row.append(renderBubble(ev));
    const keyboard = renderInlineKeyboard(ev);
    if (keyboard) row.append(keyboard);
    return row;
  }

  function apply(ev) {
    if (ev.kind === "message") {
      $("empty").hidden = true;
      const row = renderRow(ev);
      state.rows.set(ev.message_id, row);
      chat.append(row);
    } else if (ev.kind === "edit" || ev.kind === "delete") {
      const old = state.rows.get(ev.message_id);
      if (!old) return;
      const row = renderRow(ev);
      old.replaceWith(row);
      state.rows.set(ev.message_id, row);
    } else if (ev.kind === "callback_answer" && ev.text) {
      toast(ev.text, ev.show_alert);
    }
  }

  function renderReplyKeyboard(markup) {
    const box = $("reply-keyboard");
    box.replaceChildren();
    const input = $("text-input");
    input.placeholder = (markup && markup.input_field_placeholder) || "Tulis pesan…";
    if (!markup || !markup.keyboard || !markup.keyboard.length) {
      box.hidden = true;
      return;
    }
    for (const row of markup.keyboard) {
      const line = el("div", "kb-row");
      for (const button of row) {
        const label = button.request_contact ? "📱 " + button.text : button.text;
        const node = el("button", "", label);
        node.type = "button";
        node.addEventListener("click", () => pressReply(button));
        line.append(node);
      }
      box.append(line);
    }
    box.hidden = false;
  }

  function scrollDown() {
    chat.scrollTop = chat.scrollHeight;
  }

  // ---- talking to the API ------------------------------------------------------------

  async function refreshState() {
    if (state.userId === null) return;
    try {
      const current = await call("GET", `/users/${state.userId}/state`);
      $("bot-name").textContent = current.bot.first_name;
      $("bot-status").textContent = "@" + current.bot.username + " · sandbox";
      renderReplyKeyboard(current.reply_keyboard);
    } catch (error) {
      toast(error.message);
    }
  }

  async function poll(generation) {
    while (generation === state.generation) {
      const controller = new AbortController();
      state.abort = controller;
      try {
        const path = `/users/${state.userId}/transcript?after=${state.lastSeq}&wait=25`;
        const events = await call("GET", path, undefined, controller.signal);
        if (generation !== state.generation) return;
        if (state.offline) {
          state.offline = false;
          await refreshState();
        }
        for (const ev of events) {
          apply(ev);
          state.lastSeq = Math.max(state.lastSeq, ev.seq);
        }
        if (events.length) {
          scrollDown();
          await refreshState();
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        state.offline = true;
        $("bot-status").textContent = "terputus, mencoba lagi…";
        await sleep(1500);
      }
    }
  }

  async function act(promise) {
    try {
      await promise;
    } catch (error) {
      toast(error.message);
    }
  }

  function pressInline(messageId, data) {
    act(call("POST", `/users/${state.userId}/callback`, { message_id: messageId, data }));
  }

  function pressReply(button) {
    if (button.request_contact) {
      act(call("POST", `/users/${state.userId}/contact`, {}));
    } else {
      act(call("POST", `/users/${state.userId}/messages`, { text: button.text }));
    }
  }

  function switchUser(userId) {
    state.generation += 1;
    if (state.abort) state.abort.abort();
    state.userId = userId;
    state.lastSeq = 0;
    state.rows.clear();
    chat.replaceChildren($("empty"));
    $("empty").hidden = false;
    localStorage.setItem("sandbox-user", String(userId));
    renderReplyKeyboard(null);
    refreshState();
    poll(state.generation);
  }

  async function loadUsers(selectId) {
    const users = await call("GET", "/users");
    const select = $("user-select");
    select.replaceChildren();
    for (const user of users) {
      const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
      const option = el("option", "", name);
      option.value = String(user.id);
      option.title = user.phone_number || "tanpa nomor HP";
      select.append(option);
    }
    const add = el("option", "", "+ Pengguna baru…");
    add.value = NEW_USER;
    select.append(add);
    const saved = selectId ?? Number(localStorage.getItem("sandbox-user"));
    const chosen = users.find((u) => u.id === saved) || users[0];
    if (chosen) {
      select.value = String(chosen.id);
      switchUser(chosen.id);
    }
    return users;
  }

  async function createUser() {
    const name = window.prompt("Nama pengguna baru (mis. Rina Wati):");
    if (!name) return null;
    const phone = window.prompt("Nomor HP (mis. +6281234567899):", "+62812") || null;
    const users = await call("GET", "/users");
    const id = users.reduce((max, u) => Math.max(max, u.id), 7000) + 1;
    const [first, ...rest] = name.trim().split(/\s+/);
    await call("PUT", `/users/${id}`, {
      first_name: first, last_name: rest.join(" ") || null, language_code: "id", phone_number: phone,
    });
    return id;
  }

  // ---- wiring ------------------------------------------------------------------------

  $("user-select").addEventListener("change", async (event) => {
    const value = event.target.value;
    if (value === NEW_USER) {
      const id = await createUser().catch((error) => { toast(error.message); return null; });
      await loadUsers(id ?? state.userId);
      return;
    }
    switchUser(Number(value));
  });

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text-input");
    const text = input.value.trim();
    if (!text || state.userId === null) return;
    input.value = "";
    act(call("POST", `/users/${state.userId}/messages`, { text }));
  });

  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file || state.userId === null) return;
    const form = new FormData();
    form.append("file", file, file.name);
    const caption = $("text-input").value.trim();
    if (caption) form.append("caption", caption);
    $("text-input").value = "";
    const kind = file.type.startsWith("image/") ? "photo" : "document";
    act(call("POST", `/users/${state.userId}/${kind}`, form));
  });

  chat.addEventListener("click", (event) => {
    const spoiler = event.target.closest(".tg-spoiler");
    if (spoiler) spoiler.classList.toggle("shown");
  });

  loadUsers().catch((error) => toast("Tidak bisa memuat pengguna: " + error.message));
})();
