// The left column: the page's sections (select, reorder by drag or by buttons, hide, duplicate,
// delete), their blocks, and the section library with presets.

import Sortable from "sortablejs";

import { clone, copySection, format, newBlock, newId, newSection, summary } from "./model.js";

function sortable(el, kind, onMove) {
  document.body._x_ignoreMutationObserver = true;
  let nextSibling = null;
  return Sortable.create(el, {
    handle: `.bd-grip-${kind}`,
    draggable: `.bd-${kind}-row`,
    animation: 150,
    // Pointer events rather than native drag and drop: the same in every browser and under test.
    // The ghost that follows the pointer is a copy of the row, appended to <body>, which Alpine
    // is told to leave alone (it would try to evaluate the row's directives outside their x-for).
    forceFallback: true,
    fallbackOnBody: true,
    fallbackTolerance: 3,
    ghostClass: "bd-ghost",
    chosenClass: "bd-chosen",
    onStart(event) {
      nextSibling = event.item.nextSibling;
    },
    onEnd(event) {
      const ids = Array.from(el.querySelectorAll(`:scope > .bd-${kind}-row`)).map((row) => row.dataset.id);
      // Put the node back where Alpine left it; Alpine moves it when the data changes.
      el.insertBefore(event.item, nextSibling);
      if (event.oldIndex !== event.newIndex) {
        onMove(ids);
      }
    },
  });
}

export function sectionsPart(rt) {
  return {
    sel: { scope: "", section: null, block: null },
    library: { open: false, category: "", query: "" },
    blockMenu: null,

    // --- schemas -----------------------------------------------------------------------------

    sectionSchema(type) {
      return rt.sectionTypes[type] || null;
    },

    ownerSchema(scope, sectionId) {
      if (scope === "theme") {
        return this.boot.library.theme;
      }
      const section = this.doc.sections[sectionId];
      return section ? this.sectionSchema(section.type) : null;
    },

    owner(scope, sectionId) {
      return scope === "theme" ? this.theme : this.doc.sections[sectionId] || null;
    },

    sectionName(section) {
      const schema = section && this.sectionSchema(section.type);
      return schema ? schema.name : (section && section.type) || "";
    },

    sectionSummary(id) {
      const section = this.doc.sections[id];
      return section ? summary(section.settings) : "";
    },

    blockName(scope, sectionId, blockId) {
      const owner = this.owner(scope, sectionId);
      const block = owner && owner.blocks[blockId];
      if (!block) {
        return "";
      }
      const schema = this.ownerSchema(scope, sectionId);
      const type = schema && schema.blocks.find((b) => b.type === block.type);
      const text = summary(block.settings);
      if (scope === "theme" && !text) {
        return this.linkLabel(block.settings.link) || (type ? type.name : block.type);
      }
      return text || (type ? type.name : block.type);
    },

    thumb(type) {
      const known = rt.sectionTypes[type] ? type : "section";
      return `${this.boot.urls.thumbs}#${known}`;
    },

    // --- selection ---------------------------------------------------------------------------

    selectSection(id, fromFrame) {
      this.sel = { scope: "section", section: id, block: null };
      this.leftTab = "sections";
      this.formKey += 1;
      this.sendSelection();
      if (fromFrame) {
        this.$nextTick(() => {
          const row = document.querySelector(`.bd-sections [data-id="${CSS.escape(id)}"]`);
          const pane = row && row.closest(".bd-left");
          if (pane) {
            const rowBox = row.getBoundingClientRect();
            const paneBox = pane.getBoundingClientRect();
            if (rowBox.top < paneBox.top || rowBox.bottom > paneBox.bottom) {
              pane.scrollTop += rowBox.top - paneBox.top - paneBox.height / 3;
            }
          }
        });
      }
    },

    selectBlock(scope, sectionId, blockId) {
      this.sel = { scope, section: scope === "theme" ? null : sectionId, block: blockId };
      this.formKey += 1;
      this.sendSelection();
    },

    selectPageSettings() {
      this.sel = { scope: "page", section: null, block: null };
      this.formKey += 1;
      this.sendSelection();
    },

    selectTheme() {
      this.sel = { scope: "theme", section: null, block: null };
      this.leftTab = "theme";
      this.formKey += 1;
      this.sendSelection();
    },

    isSelected(id) {
      return this.sel.scope === "section" && this.sel.section === id && !this.sel.block;
    },

    isBlockSelected(blockId) {
      return this.sel.block === blockId;
    },

    isExpanded(id) {
      return this.sel.scope === "section" && this.sel.section === id;
    },

    fixSelection() {
      if (this.sel.scope === "section" && !this.doc.sections[this.sel.section]) {
        this.sel = { scope: "", section: null, block: null };
      }
      const owner = this.sel.block ? this.owner(this.sel.scope, this.sel.section) : null;
      if (this.sel.block && (!owner || !owner.blocks[this.sel.block])) {
        this.sel = { ...this.sel, block: null };
      }
    },

    // --- sections ----------------------------------------------------------------------------

    moveSection(id, delta) {
      const index = this.doc.order.indexOf(id);
      const target = index + delta;
      if (index < 0 || target < 0 || target >= this.doc.order.length) {
        return;
      }
      this.checkpoint();
      const order = [...this.doc.order];
      order.splice(index, 1);
      order.splice(target, 0, id);
      this.doc.order = order;
      this.changed();
      this.refocus(`.bd-sections [data-id="${CSS.escape(id)}"] [data-move="${delta < 0 ? "up" : "down"}"]`);
    },

    reorderSections(ids) {
      if (ids.length !== this.doc.order.length) {
        return;
      }
      this.checkpoint();
      this.doc.order = ids;
      this.changed();
    },

    toggleSection(id) {
      const section = this.doc.sections[id];
      this.checkpoint();
      section.disabled = !section.disabled;
      this.changed();
    },

    canAddType(type) {
      return !this.addBlockedReason(type);
    },

    addBlockedReason(type) {
      const schema = this.sectionSchema(type);
      if (!schema) {
        return this.t.unknownSection;
      }
      if (schema.pages && !schema.pages.includes(this.boot.page_kind)) {
        return this.t.notOnThisPage;
      }
      if (this.doc.order.length >= this.boot.library.limits.max_sections) {
        return format(this.t.pageFull, { max: this.boot.library.limits.max_sections });
      }
      if (schema.limit !== null && schema.limit !== undefined) {
        const count = this.doc.order.filter((id) => this.doc.sections[id].type === type).length;
        if (count >= schema.limit) {
          return format(this.t.onlyN, { max: schema.limit });
        }
      }
      return "";
    },

    insertIndex() {
      if (this.sel.scope === "section" && this.doc.order.includes(this.sel.section)) {
        return this.doc.order.indexOf(this.sel.section) + 1;
      }
      const last = this.doc.order[this.doc.order.length - 1];
      if (last && this.doc.sections[last].type === "footer") {
        return this.doc.order.length - 1;
      }
      return this.doc.order.length;
    },

    addSection(type, presetIndex) {
      const reason = this.addBlockedReason(type);
      if (reason) {
        this.toast(reason, "error");
        return;
      }
      const schema = this.sectionSchema(type);
      this.checkpoint();
      const id = newId(type, this.doc.sections);
      this.doc.sections[id] = newSection(schema, schema.presets[presetIndex || 0]);
      const order = [...this.doc.order];
      order.splice(this.insertIndex(), 0, id);
      this.doc.order = order;
      this.library.open = false;
      this.changed();
      this.selectSection(id, true);
    },

    duplicateSection(id) {
      const section = this.doc.sections[id];
      const reason = this.addBlockedReason(section.type);
      if (reason) {
        this.toast(reason, "error");
        return;
      }
      this.checkpoint();
      const copyId = newId(section.type, this.doc.sections);
      this.doc.sections[copyId] = copySection(section);
      const order = [...this.doc.order];
      order.splice(order.indexOf(id) + 1, 0, copyId);
      this.doc.order = order;
      this.changed();
      this.selectSection(copyId, true);
    },

    removeSection(id) {
      const name = this.sectionName(this.doc.sections[id]);
      this.checkpoint();
      this.doc.order = this.doc.order.filter((other) => other !== id);
      delete this.doc.sections[id];
      this.fixSelection();
      this.changed();
      this.toast(format(this.t.sectionDeleted, { name }), "info", true);
    },

    // --- blocks (of a section, or the theme's tab bar) ---------------------------------------

    blockIds(scope, sectionId) {
      const owner = this.owner(scope, sectionId);
      return owner ? owner.block_order : [];
    },

    blockTypes(scope, sectionId) {
      const schema = this.ownerSchema(scope, sectionId);
      return schema ? schema.blocks : [];
    },

    maxBlocks(scope, sectionId) {
      const schema = this.ownerSchema(scope, sectionId);
      return schema ? schema.max_blocks : 0;
    },

    canAddBlock(scope, sectionId) {
      return this.blockIds(scope, sectionId).length < this.maxBlocks(scope, sectionId);
    },

    blockCountLabel(scope, sectionId) {
      return format(this.t.blockCount, { n: this.blockIds(scope, sectionId).length, max: this.maxBlocks(scope, sectionId) });
    },

    addBlock(scope, sectionId, type) {
      const owner = this.owner(scope, sectionId);
      const schema = this.blockTypes(scope, sectionId).find((b) => b.type === type);
      if (!owner || !schema || !this.canAddBlock(scope, sectionId)) {
        return;
      }
      this.checkpoint();
      const id = newId(type, owner.blocks);
      owner.blocks[id] = newBlock(schema, {});
      owner.block_order = [...owner.block_order, id];
      this.blockMenu = null;
      this.changed();
      this.selectBlock(scope, sectionId, id);
    },

    duplicateBlock(scope, sectionId, blockId) {
      const owner = this.owner(scope, sectionId);
      if (!this.canAddBlock(scope, sectionId)) {
        this.toast(this.t.blocksFull, "error");
        return;
      }
      this.checkpoint();
      const id = newId(owner.blocks[blockId].type, owner.blocks);
      owner.blocks[id] = clone(owner.blocks[blockId]);
      const order = [...owner.block_order];
      order.splice(order.indexOf(blockId) + 1, 0, id);
      owner.block_order = order;
      this.changed();
      this.selectBlock(scope, sectionId, id);
    },

    removeBlock(scope, sectionId, blockId) {
      const owner = this.owner(scope, sectionId);
      this.checkpoint();
      owner.block_order = owner.block_order.filter((id) => id !== blockId);
      delete owner.blocks[blockId];
      this.fixSelection();
      this.changed();
    },

    toggleBlock(scope, sectionId, blockId) {
      const owner = this.owner(scope, sectionId);
      this.checkpoint();
      owner.blocks[blockId].disabled = !owner.blocks[blockId].disabled;
      this.changed();
    },

    blockHidden(scope, sectionId, blockId) {
      const owner = this.owner(scope, sectionId);
      return Boolean(owner && owner.blocks[blockId] && owner.blocks[blockId].disabled);
    },

    moveBlock(scope, sectionId, blockId, delta) {
      const owner = this.owner(scope, sectionId);
      const index = owner.block_order.indexOf(blockId);
      const target = index + delta;
      if (target < 0 || target >= owner.block_order.length) {
        return;
      }
      this.checkpoint();
      const order = [...owner.block_order];
      order.splice(index, 1);
      order.splice(target, 0, blockId);
      owner.block_order = order;
      this.changed();
      this.refocus(`[data-block-list] [data-id="${CSS.escape(blockId)}"] [data-move="${delta < 0 ? "up" : "down"}"]`);
    },

    reorderBlocks(scope, sectionId, ids) {
      const owner = this.owner(scope, sectionId);
      if (!owner || ids.length !== owner.block_order.length) {
        return;
      }
      this.checkpoint();
      owner.block_order = ids;
      this.changed();
    },

    toggleBlockMenu(key) {
      this.blockMenu = this.blockMenu === key ? null : key;
    },

    // --- drag and drop -----------------------------------------------------------------------

    sortSections(el) {
      sortable(el, "section", (ids) => this.reorderSections(ids));
    },

    sortBlocks(el, scope, sectionId) {
      sortable(el, "block", (ids) => this.reorderBlocks(scope, sectionId, ids));
    },

    refocus(selector) {
      this.$nextTick(() => {
        const el = document.querySelector(selector);
        if (el) {
          el.focus();
        }
      });
    },

    // --- the library -------------------------------------------------------------------------

    openLibrary() {
      this.library.open = true;
      this.library.query = "";
      this.$nextTick(() => {
        const input = document.querySelector(".bd-library input[type=search]");
        if (input) {
          input.focus();
        }
      });
    },

    libraryCategories() {
      const used = new Set(this.libraryItems(true).map((item) => item.category));
      return this.boot.library.categories.filter((c) => used.has(c.id));
    },

    libraryItems(all) {
      const query = (this.library.query || "").trim().toLowerCase();
      const items = [];
      for (const schema of this.boot.library.sections) {
        if (schema.pages && !schema.pages.includes(this.boot.page_kind)) {
          continue;
        }
        if (!all && this.library.category && schema.category !== this.library.category) {
          continue;
        }
        schema.presets.forEach((preset, index) => {
          const text = `${preset.name} ${schema.name} ${schema.description}`.toLowerCase();
          if (!all && query && !text.includes(query)) {
            return;
          }
          items.push({
            key: `${schema.type}:${index}`, type: schema.type, preset: index, name: preset.name,
            description: schema.description, category: schema.category,
          });
        });
      }
      return items;
    },
  };
}
