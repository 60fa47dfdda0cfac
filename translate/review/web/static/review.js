// The review page's behaviour: edit a translation in place and approve it, revert it, take a stale suggestion;
// add a glossary entry from selected words or a coverage candidate; render the PDF and follow its progress.
// No inline script anywhere (the Content-Security-Policy forbids it); every change is a JSON request with the
// page's CSRF key. HTML put into the page comes from the server's templates, which escape article text.
"use strict";

(() => {
  const csrf = document.querySelector('meta[name="csrf"]')?.content || "";
  const main = document.querySelector("main[data-slug]");
  const slug = main?.dataset.slug || "";
  const lang = main?.dataset.lang || "";

  async function call(method, url, data) {
    const init = { method, credentials: "same-origin", headers: {} };
    if (data !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRF-Token"] = csrf;
      init.body = JSON.stringify(data);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      return { status: 0, body: { error: "The review server does not answer: is 'translate review serve' still running?" } };
    }
    let body;
    try {
      body = await response.json();
    } catch (e) {
      body = { error: `The server answered ${response.status} ${response.statusText}.` };
    }
    return { status: response.status, body };
  }

  function element(html) {
    const t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function say(node, text, kind) {
    if (!node) return;
    node.textContent = text;
    node.className = node.className.split(" ").filter((c) => !["ok", "error", "conflict", "busy"].includes(c)).join(" ");
    if (kind) node.classList.add(kind);
  }

  // --- the name that goes into the store as Last-Translator ------------------------------------------------
  const who = document.getElementById("translator");
  if (who) {
    const kept = localStorage.getItem("translate-review-name");
    if (kept) who.value = kept;
    who.addEventListener("change", () => localStorage.setItem("translate-review-name", who.value.trim()));
  }

  // --- editing a unit --------------------------------------------------------------------------------------
  function fit(box) {
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 4}px`;
  }

  function edit(row) {
    const view = row.querySelector(".view");
    const box = row.querySelector("textarea.edit");
    if (!box.hidden) return;
    if (box.dataset.original === undefined) box.dataset.original = box.value;
    view.hidden = true;
    box.hidden = false;
    row.classList.add("editing");
    row.querySelector('[data-action="undo"]').hidden = false;
    fit(box);
    box.focus();
  }

  function undo(row) {
    const box = row.querySelector("textarea.edit");
    if (box.dataset.original !== undefined) box.value = box.dataset.original;
    box.hidden = true;
    row.querySelector(".view").hidden = false;
    row.classList.remove("editing");
    row.querySelector('[data-action="undo"]').hidden = true;
  }

  function counts(found, summary) {
    for (const [state, n] of Object.entries(found || {})) {
      document.querySelectorAll(`[data-count="${state}"]`).forEach((node) => { node.textContent = n; });
    }
    const terms = document.getElementById("terms-summary");
    if (terms && summary) {
      terms.textContent = `${summary.realized}/${summary.terms} terms` +
        (summary.problems ? `, ${summary.problems} term problem${summary.problems === 1 ? "" : "s"}` : "") +
        (summary.agreement ? `, ${summary.agreement} agreement` : "");
    }
  }

  async function act(row, action) {
    if (action === "undo") return undo(row);
    if (action === "theirs") {
      const fresh = element(row.dataset.theirs);
      row.replaceWith(fresh);
      say(fresh.querySelector(".status"), "their version", "ok");
      return;
    }
    const box = row.querySelector("textarea.edit");
    const status = row.querySelector(".status");
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    say(status, "saving…", "busy");
    const { status: code, body } = await call("POST", "/api/save", {
      slug, lang, unit: row.dataset.unit, source: row.dataset.source, base: row.dataset.base, action,
      text: box.value, translator: who ? who.value.trim() : "",
    });
    row.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    if (code === 200) {
      const fresh = element(body.row);
      row.replaceWith(fresh);
      say(fresh.querySelector(".status"), body.message, "ok");
      counts(body.counts, body.summary);
      return;
    }
    if (code === 409 && body.row) {
      // their version is now the base: approving again replaces it knowingly, Reload shows it
      row.dataset.base = body.base;
      row.dataset.theirs = body.row;
      row.classList.add("conflict");
      let reload = row.querySelector('[data-action="theirs"]');
      if (!reload) {
        reload = document.createElement("button");
        reload.type = "button";
        reload.className = "quiet";
        reload.dataset.action = "theirs";
        reload.textContent = "Reload (take theirs)";
        status.before(reload);
      }
      say(status, body.error, "conflict");
      return;
    }
    say(status, body.error || `The server answered ${code}.`, code === 409 ? "conflict" : "error");
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("section.unit button[data-action]");
    if (button) {
      act(button.closest("section.unit"), button.dataset.action);
      return;
    }
    const view = event.target.closest("section.unit .view");
    if (view && !window.getSelection()?.toString()) edit(view.closest("section.unit"));
  });

  document.addEventListener("keydown", (event) => {
    const box = event.target.closest?.("textarea.edit");
    if (box && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      act(box.closest("section.unit"), "approve");
    } else if (box && event.key === "Escape") {
      undo(box.closest("section.unit"));
    } else if (event.target.matches?.("section.unit .view") && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      edit(event.target.closest("section.unit"));
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea.edit")) fit(event.target);
  });

  // --- the glossary ------------------------------------------------------------------------------------------
  const dialog = document.getElementById("term-dialog");
  const form = document.getElementById("term-form");
  const termStatus = document.getElementById("term-status");
  const addSelection = document.getElementById("add-selection");

  function grammar(value) {
    const select = form.elements.grammar;
    if (value && ![...select.options].some((o) => o.value === value)) select.add(new Option(value, value));
    select.value = value || "";
    document.getElementById("term-grammar-hint").textContent =
      value ? "From Apertium's analyser; change it if it is wrong." : "";
  }

  async function openTerm(phrase) {
    if (!dialog) return;
    form.reset();
    form.elements.source.value = phrase;
    grammar("");
    form.querySelector('button[type="submit"]').disabled = false;
    say(termStatus, "asking the engine for a start…", "busy");
    if (!dialog.open) dialog.showModal();
    const { status, body } = await call("GET", `/api/suggest?${new URLSearchParams({ slug, lang, text: phrase })}`);
    if (status !== 200) {
      say(termStatus, body.error || "no suggestion", "error");
      return;
    }
    form.elements.source.value = body.source;
    if (!form.elements.target.value) form.elements.target.value = body.target;
    grammar(body.grammar);
    if (body.existing) {
      say(termStatus, `Already in the glossary (entry ${body.existing}).`, "error");
      form.querySelector('button[type="submit"]').disabled = true;
    } else {
      say(termStatus, "Check the translation of the term, then Add.", "");
    }
    form.elements.target.focus();
  }

  if (form) {
    let timer;
    form.elements.target.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const { status, body } = await call("GET", `/api/grammar?${new URLSearchParams({ lang, term: form.elements.target.value })}`);
        if (status === 200) grammar(body.grammar);
      }, 300);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      say(termStatus, "adding…", "busy");
      const { status, body } = await call("POST", "/api/glossary", {
        slug, lang, source: form.elements.source.value, target: form.elements.target.value,
        grammar: form.elements.grammar.value, glossary: Number(form.elements.glossary.value || 0),
        note: form.elements.note.value,
      });
      if (status !== 200) {
        say(termStatus, body.error || `The server answered ${status}.`, "error");
        return;
      }
      sessionStorage.setItem("translate-review-said", `${body.message}; the article is translated again with it.`);
      location.reload();
    });
    document.getElementById("term-cancel").addEventListener("click", () => dialog.close());
  }

  document.addEventListener("click", (event) => {
    const candidate = event.target.closest("button.candidate");
    if (candidate) openTerm(candidate.dataset.phrase);
  });

  if (addSelection) {
    let timer;
    const place = () => {
      const selection = window.getSelection();
      const text = selection ? selection.toString().trim() : "";
      const range = selection && selection.rangeCount ? selection.getRangeAt(0) : null;
      const holder = range ? range.commonAncestorContainer : null;
      const node = holder && (holder.nodeType === 1 ? holder : holder.parentElement);
      if (!text || text.length > 200 || !node || !node.closest(".src .text")) {
        addSelection.hidden = true;
        return;
      }
      const box = range.getBoundingClientRect();
      addSelection.style.left = `${Math.max(8, box.left + window.scrollX)}px`;
      addSelection.style.top = `${box.bottom + window.scrollY + 6}px`;
      addSelection.dataset.phrase = text;
      addSelection.hidden = false;
    };
    document.addEventListener("selectionchange", () => {
      clearTimeout(timer);
      timer = setTimeout(place, 120);
    });
    addSelection.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
    addSelection.addEventListener("click", () => {
      addSelection.hidden = true;
      openTerm(addSelection.dataset.phrase);
    });
  }

  const said = sessionStorage.getItem("translate-review-said");
  if (said && main) {
    sessionStorage.removeItem("translate-review-said");
    const note = document.createElement("p");
    note.className = "flash";
    note.setAttribute("role", "status");
    note.textContent = said;
    main.prepend(note);
  }

  // --- the PDF -------------------------------------------------------------------------------------------------
  const render = document.getElementById("render");
  if (render) {
    const progress = document.getElementById("render-progress");
    const status = document.getElementById("render-status");
    const link = document.getElementById("pdf-link");
    const names = { queued: "waiting", reading: "reading the article", translating: "translating",
      typesetting: "typesetting the PDF", done: "done", failed: "failed" };
    const follow = async (id) => {
      const { status: code, body } = await call("GET", `/api/render/${encodeURIComponent(id)}`);
      if (code !== 200) {
        say(status, body.error || `The server answered ${code}.`, "error");
        render.disabled = false;
        return;
      }
      progress.hidden = false;
      progress.max = body.total || 1;
      if (body.state === "typesetting" || body.state === "done") progress.removeAttribute("value");
      else progress.value = body.done;
      if (body.state === "done") {
        progress.max = 1;
        progress.value = 1;
        say(status, `${body.message} (${body.seconds} s).` + (body.messages.length ? ` ${body.messages.join(" ")}` : ""), "ok");
        link.href = `/a/${encodeURIComponent(slug)}/${encodeURIComponent(lang)}/pdf?t=${Date.now()}`;
        link.hidden = false;
        render.disabled = false;
        const frame = document.getElementById("pamphlet");
        if (frame) frame.src = frame.getAttribute("src"); // the layout with what the run used
        return;
      }
      if (body.state === "failed") {
        progress.hidden = true;
        say(status, body.message, "error");
        render.disabled = false;
        return;
      }
      say(status, names[body.state] + (body.state === "translating" ? ` ${body.done}/${body.total} segments` : "") + "…", "busy");
      setTimeout(() => follow(id), 250);
    };
    render.addEventListener("click", async () => {
      render.disabled = true;
      say(status, "starting…", "busy");
      const { status: code, body } = await call("POST", "/api/render", { slug, lang });
      if (code !== 202) {
        say(status, body.error || `The server answered ${code}.`, "error");
        render.disabled = false;
        return;
      }
      follow(body.id);
    });
  }
})();
