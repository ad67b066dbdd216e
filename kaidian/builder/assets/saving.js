// Drafts save themselves (debounced) against the revision they were based on; a stale save is
// refused by the server (409) and the editor shows who saved in between, keeping its own edits.
// Also: undo/redo, publishing, the version history and template switching.

import { errorFields, errorMessage } from "./api.js";
import { format } from "./model.js";

const SAVE_MS = 800;
const RETRY_MS = [2000, 4000, 8000, 15000];

export function savingPart(rt) {
  return {
    saveState: "saved",
    pageDirty: false,
    themeDirty: false,
    saving: false,
    publishing: false,
    undoCount: 0,
    redoCount: 0,
    conflict: null,
    versions: { open: false, loading: false, rows: [] },
    templates: { confirm: null, busy: false },

    // --- changes and undo --------------------------------------------------------------------

    snapshot() {
      return { doc: JSON.stringify(this.doc), theme: JSON.stringify(this.theme) };
    },

    checkpoint(mergeKey) {
      rt.history.checkpoint(this.snapshot(), mergeKey);
      this.undoCount = rt.history.undoStack.length;
      this.redoCount = 0;
    },

    changed() {
      this.pageDirty = JSON.stringify(this.doc) !== rt.savedDoc;
      this.themeDirty = JSON.stringify(this.theme) !== rt.savedTheme;
      if (this.pageDirty || this.themeDirty) {
        if (this.saveState !== "conflict") {
          this.saveState = "pending";
        }
        this.scheduleSave();
      } else if (!this.saving && this.saveState !== "conflict") {
        this.saveState = "saved";
      }
      this.schedulePreview();
    },

    applySnapshot(snapshot) {
      this.doc = JSON.parse(snapshot.doc);
      this.theme = JSON.parse(snapshot.theme);
      this.fixSelection();
      this.formKey += 1;
      this.undoCount = rt.history.undoStack.length;
      this.redoCount = rt.history.redoStack.length;
      this.changed();
      this.sendSelection();
    },

    undo() {
      const snapshot = rt.history.undo(this.snapshot());
      if (snapshot) {
        this.applySnapshot(snapshot);
      }
    },

    redo() {
      const snapshot = rt.history.redo(this.snapshot());
      if (snapshot) {
        this.applySnapshot(snapshot);
      }
    },

    onKey(event) {
      const key = event.key.toLowerCase();
      if (key === "escape") {
        this.closeModals();
        return;
      }
      if (!(event.ctrlKey || event.metaKey) || (key !== "z" && key !== "y")) {
        return;
      }
      const target = event.target;
      const typing = target && (target.isContentEditable
        || (target.tagName === "TEXTAREA")
        || (target.tagName === "INPUT" && !["range", "color", "checkbox", "button"].includes(target.type)));
      if (typing) {
        return; // the field's own undo
      }
      event.preventDefault();
      if (key === "y" || event.shiftKey) {
        this.redo();
      } else {
        this.undo();
      }
    },

    // --- saving ------------------------------------------------------------------------------

    scheduleSave(delay) {
      clearTimeout(rt.saveTimer);
      rt.saveTimer = setTimeout(() => this.save(), delay === undefined ? SAVE_MS : delay);
    },

    async save() {
      clearTimeout(rt.saveTimer);
      if (this.conflict || !this.boot.store_open) {
        return false;
      }
      if (this.saving) {
        rt.saveAgain = true;
        return rt.savePromise;
      }
      this.saving = true;
      this.saveState = "saving";
      rt.savePromise = this.saveOnce();
      const ok = await rt.savePromise;
      this.saving = false;
      if (rt.saveAgain) {
        rt.saveAgain = false;
        return this.save();
      }
      return ok;
    },

    async saveOnce() {
      const pageJson = JSON.stringify(this.doc);
      if (pageJson !== rt.savedDoc) {
        const result = await rt.api.put(this.boot.api.pageDraft, { document: this.doc, base_revision: this.revision });
        if (!this.afterSave(result, "page", pageJson)) {
          return false;
        }
      }
      const themeJson = JSON.stringify(this.theme);
      if (themeJson !== rt.savedTheme) {
        const result = await rt.api.put(this.boot.api.themeDraft, { document: this.theme, base_revision: this.themeRevision });
        if (!this.afterSave(result, "theme", themeJson)) {
          return false;
        }
      }
      this.pageDirty = JSON.stringify(this.doc) !== rt.savedDoc;
      this.themeDirty = JSON.stringify(this.theme) !== rt.savedTheme;
      this.saveState = this.pageDirty || this.themeDirty ? "pending" : "saved";
      rt.retries = 0;
      return true;
    },

    afterSave(result, scope, sentJson) {
      if (result.ok) {
        if (scope === "page") {
          rt.savedDoc = sentJson;
          this.revision = result.data.draft_revision;
          this.pageMeta = this.metaOf(result.data);
          this.clearErrors("sections.");
          this.clearErrors("settings.");
          this.clearErrors("document");
        } else {
          rt.savedTheme = sentJson;
          this.themeRevision = result.data.draft_revision;
          this.themeMeta = this.themeMetaOf(result.data);
          this.clearErrors("theme.");
        }
        this.lastSavedAt = new Date().toISOString();
        return true;
      }
      if (result.status === 409) {
        this.openConflict(scope);
      } else if (result.status === 422) {
        const fields = errorFields(result);
        this.setErrors(scope === "theme" ? this.prefixed(fields, "theme.") : fields);
        this.saveState = "invalid";
      } else if (result.status === 0 || result.status >= 500) {
        this.saveState = "offline";
        const wait = RETRY_MS[Math.min(rt.retries || 0, RETRY_MS.length - 1)];
        rt.retries = (rt.retries || 0) + 1;
        this.scheduleSave(wait);
      } else {
        this.saveState = "error";
        this.toast(errorMessage(result, this.t.saveFailed), "error");
      }
      return false;
    },

    prefixed(fields, prefix) {
      const out = {};
      for (const [key, value] of Object.entries(fields)) {
        out[key.startsWith(prefix) ? key : prefix + key] = value;
      }
      return out;
    },

    async saveAll() {
      for (let i = 0; i < 5; i += 1) {
        if (!this.hasPending() && !this.saving) {
          return true;
        }
        const ok = await this.save();
        if (!ok) {
          return false;
        }
      }
      return false;
    },

    saveLabel() {
      const labels = {
        saved: this.t.saved, pending: this.t.unsaved, saving: this.t.saving, invalid: this.t.invalid,
        offline: this.t.offline, conflict: this.t.conflictShort, error: this.t.saveFailed,
      };
      return this.boot.store_open ? labels[this.saveState] || "" : this.t.readOnly;
    },

    hasPending() {
      return JSON.stringify(this.doc) !== rt.savedDoc || JSON.stringify(this.theme) !== rt.savedTheme;
    },

    beforeUnload(event) {
      if (this.hasPending() && this.boot.store_open && !this.conflict) {
        this.save(); // save now; the browser asks whether to leave meanwhile
        event.preventDefault();
        event.returnValue = "";
      }
    },

    pageHide() {
      // Really leaving with edits still unsaved: one last save that outlives the page.
      if (this.hasPending() && this.boot.store_open && !this.conflict && !this.saving) {
        if (JSON.stringify(this.doc) !== rt.savedDoc) {
          rt.api.put(this.boot.api.pageDraft, { document: this.doc, base_revision: this.revision }, { keepalive: true });
        }
        if (JSON.stringify(this.theme) !== rt.savedTheme) {
          rt.api.put(this.boot.api.themeDraft, { document: this.theme, base_revision: this.themeRevision }, { keepalive: true });
        }
      }
    },

    // --- conflicts ---------------------------------------------------------------------------

    async openConflict(scope) {
      clearTimeout(rt.saveTimer);
      this.saveState = "conflict";
      this.conflict = { scope, loading: true, who: "", when: "", theirs: null };
      const result = await rt.api.get(scope === "theme" ? this.boot.api.theme : this.boot.api.page);
      if (!result.ok) {
        this.conflict = { scope, loading: false, who: this.t.someone, when: "", theirs: null };
        return;
      }
      this.conflict = {
        scope, loading: false, theirs: result.data,
        who: result.data.updated_by_name || this.t.someone,
        when: this.when(result.data.updated_at),
      };
    },

    conflictLoading() {
      return Boolean(this.conflict && this.conflict.loading);
    },

    conflictReady() {
      return Boolean(this.conflict && this.conflict.theirs);
    },

    conflictText() {
      if (!this.conflict || this.conflict.loading) {
        return "";
      }
      const text = this.conflict.scope === "theme" ? this.t.conflictTheme : this.t.conflictPage;
      return format(text, { who: this.conflict.who, when: this.conflict.when });
    },

    reloadTheirs() {
      const conflict = this.conflict;
      if (!conflict || !conflict.theirs) {
        return;
      }
      this.checkpoint();
      rt.history.breakMerge();
      if (conflict.scope === "theme") {
        this.theme = conflict.theirs.draft;
        this.themeRevision = conflict.theirs.draft_revision;
        rt.savedTheme = JSON.stringify(this.theme);
        this.themeMeta = this.themeMetaOf(conflict.theirs);
      } else {
        this.doc = conflict.theirs.draft;
        this.revision = conflict.theirs.draft_revision;
        rt.savedDoc = JSON.stringify(this.doc);
        this.pageMeta = this.metaOf(conflict.theirs);
      }
      this.conflict = null;
      this.saveState = "saved";
      this.fixSelection();
      this.formKey += 1;
      this.changed();
      this.toast(this.t.reloadedTheirs, "info", true);
    },

    overwriteMine() {
      const conflict = this.conflict;
      if (!conflict || !conflict.theirs) {
        return;
      }
      if (conflict.scope === "theme") {
        this.themeRevision = conflict.theirs.draft_revision;
      } else {
        this.revision = conflict.theirs.draft_revision;
      }
      this.conflict = null;
      this.saveState = "pending";
      this.save();
    },

    // --- publishing --------------------------------------------------------------------------

    hasUnpublished() {
      return this.pageDirty || this.themeDirty || this.pageMeta.has_unpublished_changes
        || this.themeMeta.has_unpublished_changes;
    },

    async publish() {
      if (!this.boot.can_publish || this.publishing) {
        return;
      }
      this.publishing = true;
      try {
        if (!(await this.saveAll())) {
          if (!this.conflict) {
            this.toast(this.t.publishNeedsSave, "error");
          }
          return;
        }
        if (this.pageMeta.has_unpublished_changes || !this.pageMeta.is_published) {
          const result = await rt.api.post(this.boot.api.pagePublish, { base_revision: this.revision });
          if (result.status === 409) {
            this.openConflict("page");
            return;
          }
          if (!result.ok) {
            this.toast(errorMessage(result, this.t.publishFailed), "error");
            return;
          }
          this.pageMeta = this.metaOf(result.data);
        }
        if (this.themeMeta.has_unpublished_changes) {
          const result = await rt.api.post(this.boot.api.themePublish, { base_revision: this.themeRevision });
          if (result.status === 409) {
            this.openConflict("theme");
            return;
          }
          if (!result.ok) {
            this.toast(errorMessage(result, this.t.publishFailed), "error");
            return;
          }
          this.themeMeta = this.themeMetaOf(result.data);
          this.takeAdjustedTheme(result.data);
        }
        this.toast(format(this.t.published, { version: this.pageMeta.published_version }), "success");
        if (this.versions.open) {
          this.loadVersions();
        }
      } finally {
        this.publishing = false;
      }
    },

    metaOf(page) {
      return {
        is_published: page.is_published, has_unpublished_changes: page.has_unpublished_changes,
        published_version: page.published_version, draft_base_version: page.draft_base_version,
        updated_at: page.updated_at, updated_by_name: page.updated_by_name, published_at: page.published_at,
      };
    },

    themeMetaOf(theme) {
      return {
        template: theme.template, has_unpublished_changes: theme.has_unpublished_changes,
        published_version: theme.published_version, contrast: theme.contrast || [],
      };
    },

    // Publishing made a too-faint text colour readable (the server says what it changed): the editor
    // takes the published theme as its draft, so it shows what shoppers see.
    takeAdjustedTheme(theme) {
      if (!theme.notices || theme.notices.length === 0) {
        return;
      }
      this.theme = JSON.parse(JSON.stringify(theme.draft));
      rt.savedTheme = JSON.stringify(this.theme);
      this.themeRevision = theme.draft_revision;
      this.formKey += 1;
      this.schedulePreview();
      theme.notices.forEach((notice) => this.toast(notice, "info"));
    },

    // --- versions ----------------------------------------------------------------------------

    toggleVersions() {
      this.versions.open = !this.versions.open;
      if (this.versions.open) {
        this.loadVersions();
      }
    },

    async loadVersions() {
      this.versions.loading = true;
      const result = await rt.api.get(this.boot.api.versions);
      this.versions.loading = false;
      this.versions.rows = result.ok ? result.data : [];
    },

    versionNote(row) {
      if (row.note && row.note.startsWith("template:")) {
        const key = row.note.slice(9);
        const template = this.boot.templates.find((t) => t.key === key);
        return format(this.t.templateNote, { name: template ? template.name : key });
      }
      return row.note || "";
    },

    isLive(row) {
      return row.version === this.pageMeta.published_version;
    },

    async restoreVersion(row) {
      if (!(await this.saveAll())) {
        if (!this.conflict) {
          this.toast(this.t.publishNeedsSave, "error");
        }
        return;
      }
      const result = await rt.api.post(format(this.boot.api.restore, { version: row.version }), {
        base_revision: this.revision,
      });
      if (result.status === 409) {
        this.openConflict("page");
        return;
      }
      if (!result.ok) {
        this.toast(errorMessage(result, this.t.restoreFailed), "error");
        return;
      }
      this.checkpoint();
      rt.history.breakMerge();
      this.doc = result.data.draft;
      this.revision = result.data.draft_revision;
      rt.savedDoc = JSON.stringify(this.doc);
      this.pageMeta = this.metaOf(result.data);
      this.fixSelection();
      this.formKey += 1;
      this.changed();
      this.toast(format(this.t.restored, { version: row.version }), "success", true);
    },

    // --- templates ---------------------------------------------------------------------------

    askTemplate(template) {
      this.templates.confirm = template;
    },

    async switchTemplate() {
      const template = this.templates.confirm;
      if (!template || this.templates.busy) {
        return;
      }
      this.templates.busy = true;
      try {
        if (!(await this.saveAll())) {
          this.toast(this.t.publishNeedsSave, "error");
          return;
        }
        const result = await rt.api.post(this.boot.api.templateSwitch, { template: template.key });
        if (!result.ok) {
          this.toast(errorMessage(result, this.t.switchFailed), "error");
          return;
        }
        const [page, theme] = await Promise.all([rt.api.get(this.boot.api.page), rt.api.get(this.boot.api.theme)]);
        if (!page.ok || !theme.ok) {
          window.location.reload();
          return;
        }
        this.checkpoint();
        rt.history.breakMerge();
        this.doc = page.data.draft;
        this.revision = page.data.draft_revision;
        rt.savedDoc = JSON.stringify(this.doc);
        this.pageMeta = this.metaOf(page.data);
        this.theme = theme.data.draft;
        this.themeRevision = theme.data.draft_revision;
        rt.savedTheme = JSON.stringify(this.theme);
        this.themeMeta = this.themeMetaOf(theme.data);
        this.templates.confirm = null;
        this.fixSelection();
        this.formKey += 1;
        this.changed();
        this.toast(format(this.t.templateSwitched, { name: template.name }), "success");
      } finally {
        this.templates.busy = false;
      }
    },

    // --- leaving -----------------------------------------------------------------------------

    async goToPage(handle) {
      if (!handle || handle === this.handle) {
        return;
      }
      await this.saveAll();
      window.location.href = this.boot.urls.editor.replace("__handle__", encodeURIComponent(handle));
    },
  };
}
