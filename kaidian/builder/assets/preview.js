// Inside the preview frame: the page is the storefront renderer's own HTML; this helper lets the
// editor (the parent window, same origin) update it without reloading, by postMessage:
//   kd:section {id, html, order, all}  replace (or insert) one section's rendered HTML
//   kd:order   {order, all}            put the visible sections in this order, hide the others
//   kd:page    {html}                  swap in a whole re-rendered page (theme changes, restores)
//   kd:select  {id, name}              outline the selected section and scroll to it
//   kd:hover   {id}                    a lighter outline while the pointer is over its row
// and tells the editor kd:ready / kd:swapped {ids} and kd:click {id} (a section was clicked).

const ORIGIN = window.location.origin;
const LOAD_ID = Math.random().toString(36).slice(2);
let selectedId = null;

function post(message) {
  if (window.parent && window.parent !== window) {
    window.parent.postMessage(message, ORIGIN);
  }
}

function main() {
  return document.getElementById("kd-main") || document.body;
}

function sectionEl(id) {
  return main().querySelector(`:scope > [data-section-id="${CSS.escape(id)}"]`);
}

function sectionEls() {
  return Array.from(main().querySelectorAll(":scope > [data-section-id]"));
}

function renderedIds() {
  return sectionEls().map((el) => el.dataset.sectionId);
}

function initStorefront(root) {
  if (window.Kaidian && typeof window.Kaidian.init === "function") {
    window.Kaidian.init(root);
  }
}

function applyOrder(order, all) {
  const host = main();
  const keep = new Set(all || order);
  const visible = new Set(order);
  const anchor = Array.from(host.children).find((el) => !el.hasAttribute("data-section-id")) || null;
  for (const el of sectionEls()) {
    const id = el.dataset.sectionId;
    if (!keep.has(id)) {
      el.remove();
    } else {
      el.hidden = !visible.has(id);
    }
  }
  for (const id of order) {
    const el = sectionEl(id);
    if (el) {
      host.insertBefore(el, anchor);
    }
  }
}

function parseSection(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function replaceSection(id, html, order, all) {
  const fresh = html ? parseSection(html) : null;
  const current = sectionEl(id);
  if (!fresh) {
    if (current) {
      current.remove();
    }
  } else if (current) {
    current.replaceWith(fresh);
  } else {
    main().appendChild(fresh);
  }
  if (order) {
    applyOrder(order, all);
  }
  if (fresh) {
    initStorefront(fresh);
  }
  markSelected();
}

function swapPage(html) {
  const next = new DOMParser().parseFromString(html, "text/html");
  const oldStyle = document.querySelector("head style");
  const newStyle = next.querySelector("head style");
  if (oldStyle && newStyle) {
    oldStyle.textContent = newStyle.textContent;
  }
  const title = next.querySelector("title");
  if (title) {
    document.title = title.textContent;
  }
  document.body.className = next.body.className;
  document.body.replaceChildren(...Array.from(next.body.childNodes).map((n) => document.adoptNode(n)));
  initStorefront(document);
  markSelected();
  post({ type: "kd:swapped", ids: renderedIds() });
}

function markSelected(scroll) {
  for (const el of document.querySelectorAll(".bd-selected")) {
    el.classList.remove("bd-selected");
  }
  if (!selectedId) {
    return;
  }
  const el = sectionEl(selectedId);
  if (!el) {
    return;
  }
  el.classList.add("bd-selected");
  if (scroll) {
    const box = el.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      // Scroll this document only (scrollIntoView would scroll the editor around the frame too).
      const offset = box.height > window.innerHeight ? 0 : (window.innerHeight - box.height) / 2;
      window.scrollTo({ top: Math.max(0, window.scrollY + box.top - offset), behavior: "smooth" });
    }
  }
}

function setHover(id) {
  for (const el of document.querySelectorAll(".bd-hover")) {
    el.classList.remove("bd-hover");
  }
  const el = id ? sectionEl(id) : null;
  if (el) {
    el.classList.add("bd-hover");
  }
}

const handlers = {
  "kd:section": (m) => replaceSection(m.id, m.html, m.order, m.all),
  "kd:order": (m) => applyOrder(m.order, m.all),
  "kd:page": (m) => swapPage(m.html),
  "kd:select": (m) => {
    selectedId = m.id || null;
    const el = selectedId ? sectionEl(selectedId) : null;
    if (el && m.name) {
      el.dataset.bdName = m.name;
    }
    markSelected(true);
  },
  "kd:hover": (m) => setHover(m.id),
  "kd:hello": () => ready(),
};

window.addEventListener("message", (event) => {
  if (event.origin !== ORIGIN || event.source !== window.parent) {
    return;
  }
  const message = event.data;
  const handler = message && handlers[message.type];
  if (handler) {
    handler(message);
  }
});

// In the editor a tap selects the section instead of following links or submitting forms.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) {
    return;
  }
  const interactive = target.closest("a, button, form, input, label, select, summary");
  const section = target.closest("[data-section-id]");
  if (interactive && interactive.closest("[data-kd-carousel], [data-kd-specs]") && interactive.tagName !== "A") {
    return; // carousels and spec buttons keep working in the preview
  }
  if (interactive) {
    event.preventDefault();
  }
  if (section) {
    post({ type: "kd:click", id: section.dataset.sectionId });
  }
}, true);

document.addEventListener("submit", (event) => event.preventDefault(), true);

function ready() {
  document.documentElement.classList.add("bd-editing");
  post({ type: "kd:ready", ids: renderedIds(), load: LOAD_ID });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", ready);
} else {
  ready();
}
