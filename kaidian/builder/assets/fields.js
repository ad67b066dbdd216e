// The right column: the settings of the selected section, block, page or theme, as a form built
// from the schema JSON, each setting type with its widget (the pickers they open: pickers.js).

import { format } from "./model.js";

export function fieldsPart(rt) {
  return {
    formKey: 0,
    errors: {},

    // --- what the form edits -----------------------------------------------------------------

    target() {
      const sel = this.sel;
      if (sel.scope === "page") {
        return this.doc.settings ? this.doc : null;
      }
      const owner = this.owner(sel.scope, sel.section);
      if (!owner) {
        return null;
      }
      return sel.block ? owner.blocks[sel.block] || null : owner;
    },

    targetSchema() {
      const sel = this.sel;
      if (sel.scope === "page") {
        return { name: this.t.pageSettings, settings: this.boot.library.page_settings };
      }
      const schema = this.ownerSchema(sel.scope, sel.section);
      if (!schema) {
        return null;
      }
      if (sel.block) {
        const owner = this.owner(sel.scope, sel.section);
        const block = owner && owner.blocks[sel.block];
        return block ? schema.blocks.find((b) => b.type === block.type) || null : null;
      }
      return schema;
    },

    hasForm() {
      return Boolean(this.target() && this.targetSchema());
    },

    formTitle() {
      const schema = this.targetSchema();
      if (!schema) {
        return "";
      }
      if (this.sel.scope === "theme" && !this.sel.block) {
        return this.t.themeSettings;
      }
      return schema.name;
    },

    // --- readability of the theme's colours (ratios computed by the server on each save) -------

    isThemeForm() {
      return this.sel.scope === "theme" && !this.sel.block;
    },

    contrastPairs() {
      return this.themeMeta.contrast || [];
    },

    contrastRatio(pair) {
      return format(this.t.contrastRatio, { ratio: pair.ratio.toFixed(2), minimum: pair.minimum.toFixed(1) });
    },

    contrastClass(pair) {
      return pair.passes ? "is-ok" : "is-low";
    },

    contrastSample(pair) {
      return `color:${pair.foreground};background:${pair.background}`;
    },

    suggestionLabel(pair) {
      return format(this.t.useColour, { colour: pair.suggestion || "" });
    },

    useSuggestion(pair) {
      const setting = (this.targetSchema().settings || []).find((s) => s.id === pair.setting);
      if (setting && pair.suggestion) {
        this.setValue(setting, pair.suggestion);
        this.formKey += 1;
      }
    },

    formParent() {
      if (!this.sel.block) {
        return "";
      }
      return this.sel.scope === "theme" ? this.t.themeSettings : this.sectionName(this.doc.sections[this.sel.section]);
    },

    backFromBlock() {
      if (this.sel.scope === "theme") {
        this.selectTheme();
      } else {
        this.selectSection(this.sel.section);
      }
    },

    formDescription() {
      const schema = this.targetSchema();
      return schema && !this.sel.block ? schema.description || "" : "";
    },

    fields() {
      const schema = this.targetSchema();
      return schema ? schema.settings : [];
    },

    themeGroups() {
      return this.boot.library.theme.settings;
    },

    fieldKey(setting) {
      return `${this.formKey}:${this.sel.scope}:${this.sel.section}:${this.sel.block}:${setting.id}`;
    },

    fieldId(setting) {
      return `bd-field-${setting.id}`;
    },

    fieldPath(setting) {
      const sel = this.sel;
      if (sel.scope === "page") {
        return `settings.${setting.id}`;
      }
      const base = sel.scope === "theme" ? "theme" : `sections.${sel.section}`;
      return sel.block ? `${base}.blocks.${sel.block}.settings.${setting.id}` : `${base}.settings.${setting.id}`;
    },

    value(setting) {
      const target = this.target();
      if (!target) {
        return "";
      }
      const value = target.settings[setting.id];
      return value === undefined || value === null ? setting.default : value;
    },

    setValue(setting, value, merge) {
      const target = this.target();
      if (!target || JSON.stringify(target.settings[setting.id]) === JSON.stringify(value)) {
        return;
      }
      this.checkpoint(merge ? this.fieldKey(setting) : null);
      target.settings[setting.id] = value;
      delete this.errors[this.fieldPath(setting)];
      this.changed();
    },

    // --- per widget --------------------------------------------------------------------------

    onText(setting, event) {
      this.setValue(setting, event.target.value, true);
    },

    onNumber(setting, event) {
      const raw = event.target.value;
      if (raw === "") {
        return;
      }
      this.setValue(setting, Number(raw), true);
    },

    onCheck(setting, event) {
      this.setValue(setting, Boolean(event.target.checked));
    },

    onSelect(setting, event) {
      this.setValue(setting, event.target.value);
    },

    onColor(setting, event) {
      this.setValue(setting, event.target.value.trim(), true);
    },

    clearValue(setting) {
      this.setValue(setting, setting.type === "product_list" ? [] : "");
    },

    colorSwatch(setting) {
      return this.value(setting) || "#ffffff";
    },

    isChecked(setting) {
      return this.value(setting) === true;
    },

    textLength(setting) {
      return format(this.t.charCount, { n: String(this.value(setting) || "").length, max: setting.max_length });
    },

    rangeLabel(setting) {
      return `${this.value(setting)}${setting.unit || ""}`;
    },

    isOption(setting, optionValue) {
      return this.value(setting) === optionValue;
    },

    fieldErrors(setting) {
      return this.errors[this.fieldPath(setting)] || [];
    },

    hasError(setting) {
      return this.fieldErrors(setting).length > 0;
    },

    setErrors(fields) {
      const next = { ...this.errors };
      for (const [key, messages] of Object.entries(fields || {})) {
        next[key] = Array.isArray(messages) ? messages : [String(messages)];
      }
      this.errors = next;
    },

    clearErrors(prefix) {
      const next = {};
      for (const [key, value] of Object.entries(this.errors)) {
        if (!key.startsWith(prefix)) {
          next[key] = value;
        }
      }
      this.errors = next;
    },

    errorList() {
      return Object.entries(this.errors).map(([path, messages]) => ({ path, text: `${path}: ${messages.join(" ")}` }));
    },

    sectionHasError(id) {
      return Object.keys(this.errors).some((key) => key.startsWith(`sections.${id}.`));
    },

    // --- rich text ---------------------------------------------------------------------------

    mountRich(el, setting) {
      el.innerHTML = this.value(setting) || "";
    },

    onRich(setting, event) {
      this.setValue(setting, event.target.innerHTML, true);
    },

    richCommand(command, event) {
      const editor = event.target.closest(".bd-rich").querySelector("[contenteditable]");
      editor.focus();
      if (command === "createLink") {
        const url = window.prompt(this.t.linkPrompt, "https://");
        if (url) {
          document.execCommand("createLink", false, url);
        }
      } else {
        document.execCommand(command, false, null);
      }
      editor.dispatchEvent(new Event("input", { bubbles: true }));
    },
  };
}
