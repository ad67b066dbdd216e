// The builder's entry point: bundled with SortableJS and Alpine.js (its CSP build: the admin's
// Content-Security-Policy allows no eval) into static/builder/editor.bundle.js by `make assets`.
//
// One Alpine component, "editor", holds the page document, the theme document and the editing
// session (selection, undo history, save state); its parts live in the modules imported here.

import Alpine from "@alpinejs/csp";
import Sortable from "sortablejs";

import { createApi } from "./api.js";
import { fieldsPart } from "./fields.js";
import { framePart } from "./frame.js";
import { History } from "./history.js";
import { pickersPart } from "./pickers.js";
import { format } from "./model.js";
import { savingPart } from "./saving.js";
import { sectionsPart } from "./sections.js";

const TOAST_MS = 5000;

function readBoot() {
  const el = document.getElementById("bd-boot");
  return el ? JSON.parse(el.textContent) : null;
}

function createEditor() {
  const boot = readBoot();
  const rt = {
    api: createApi(boot.csrf),
    history: new History(100),
    sectionTypes: Object.fromEntries(boot.library.sections.map((s) => [s.type, s])),
    bootDoc: boot.page.draft,
    bootTheme: JSON.stringify(boot.theme.draft),
    savedDoc: JSON.stringify(boot.page.draft),
    savedTheme: JSON.stringify(boot.theme.draft),
    shown: { theme: "", order: "", sections: {} },
    pendingSections: {},
    sectionSeq: {},
    fetchingProducts: {},
  };

  const state = {
    boot,
    t: boot.t,
    handle: boot.handle,
    doc: JSON.parse(JSON.stringify(boot.page.draft)),
    theme: JSON.parse(JSON.stringify(boot.theme.draft)),
    revision: boot.page.draft_revision,
    themeRevision: boot.theme.draft_revision,
    pageMeta: {},
    themeMeta: {},
    leftTab: "sections",
    device: "phone",
    toasts: [],
    lastSavedAt: null,
    pagesMenu: false,

    init() {
      this.pageMeta = this.metaOf(boot.page);
      this.themeMeta = this.themeMetaOf(boot.theme);
      this.media.items = boot.media || [];
      window.addEventListener("message", (event) => this.onFrameMessage(event));
      window.addEventListener("beforeunload", (event) => this.beforeUnload(event));
      window.addEventListener("pagehide", () => this.pageHide());
      window.__kdEditor = this; // for tests and debugging
      this.$nextTick(() => this.helloFrame());
    },

    // --- small helpers the templates use ------------------------------------------------------

    toast(text, kind, withUndo) {
      const id = Math.random().toString(36).slice(2);
      this.toasts = [...this.toasts, { id, text, kind: kind || "info", undo: Boolean(withUndo) }];
      setTimeout(() => this.dismiss(id), TOAST_MS);
    },

    dismiss(id) {
      this.toasts = this.toasts.filter((toast) => toast.id !== id);
    },

    toastUndo(id) {
      this.dismiss(id);
      this.undo();
    },

    when(iso) {
      if (!iso) {
        return "";
      }
      const date = new Date(iso);
      const seconds = Math.round((date.getTime() - Date.now()) / 1000);
      const rtf = new Intl.RelativeTimeFormat(boot.locale, { numeric: "auto" });
      if (Math.abs(seconds) < 60) {
        return rtf.format(seconds, "second");
      }
      if (Math.abs(seconds) < 3600) {
        return rtf.format(Math.round(seconds / 60), "minute");
      }
      if (Math.abs(seconds) < 86400) {
        return rtf.format(Math.round(seconds / 3600), "hour");
      }
      return date.toLocaleString(boot.locale, { dateStyle: "medium", timeStyle: "short" });
    },

    exactTime(iso) {
      return iso ? new Date(iso).toLocaleString(boot.locale, { dateStyle: "medium", timeStyle: "medium" }) : "";
    },

    fmt(text, values) {
      return format(text, values || {});
    },

    setDevice(device) {
      this.device = device;
    },

    pageStatus() {
      if (!this.pageMeta.is_published) {
        return this.t.notPublished;
      }
      return this.hasUnpublished() ? this.t.unpublishedChanges : format(this.t.liveVersion, { version: this.pageMeta.published_version });
    },

    publishLabel() {
      if (this.publishing) {
        return this.t.publishing;
      }
      return this.hasUnpublished() || !this.pageMeta.is_published ? this.t.publish : this.t.publishedShort;
    },

    canUndo() {
      return this.undoCount > 0;
    },

    canRedo() {
      return this.redoCount > 0;
    },

    currentTemplate() {
      return this.themeMeta.template;
    },

    swatch(template, key) {
      return `background:${template.theme[key]}`;
    },
  };

  return Object.assign(state, sectionsPart(rt), fieldsPart(rt), pickersPart(rt), framePart(rt), savingPart(rt));
}

window.Sortable = Sortable;
window.Alpine = Alpine;
Alpine.data("editor", createEditor);
document.addEventListener("DOMContentLoaded", () => Alpine.start());
