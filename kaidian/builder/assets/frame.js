// The preview frame, seen from the editor: it shows the storefront renderer's HTML for the draft
// (loaded once), and is then kept in step by postMessage: changed sections are rendered one by
// one by the section-render endpoint, re-ordering and hiding move DOM nodes inside the frame, and
// a theme change swaps in a whole re-rendered page. Nothing reloads the frame.

import { errorFields } from "./api.js";
import { renderKey } from "./model.js";

const SYNC_MS = 160;
const WHOLE_PAGE_AFTER = 4; // more changed sections than this: render the whole page at once

export function framePart(rt) {
  return {
    frameReady: false,
    frameBusy: false,

    visibleOrder() {
      return this.doc.order.filter((id) => this.doc.sections[id] && !this.doc.sections[id].disabled);
    },

    helloFrame() {
      const frame = this.$refs.frame;
      if (frame && frame.contentWindow) {
        frame.contentWindow.postMessage({ type: "kd:hello" }, window.location.origin);
      }
    },

    sendFrame(message) {
      const frame = this.$refs.frame;
      if (frame && frame.contentWindow && this.frameReady) {
        frame.contentWindow.postMessage(message, window.location.origin);
      }
    },

    onFrameMessage(event) {
      const frame = this.$refs.frame;
      if (!frame || event.source !== frame.contentWindow || event.origin !== window.location.origin) {
        return;
      }
      const message = event.data || {};
      if (message.type === "kd:ready") {
        if (message.load && message.load === rt.frameLoad) {
          return;
        }
        rt.frameLoad = message.load;
        this.frameLoaded(message.ids || []);
      } else if (message.type === "kd:swapped") {
        this.frameBusy = false;
      } else if (message.type === "kd:click" && message.id && this.doc.sections[message.id]) {
        this.selectSection(message.id, true);
      }
    },

    frameLoaded(ids) {
      const first = !rt.frameLoadedOnce;
      rt.frameLoadedOnce = true;
      this.frameReady = true;
      if (first) {
        // The frame shows the draft the editor started from.
        rt.shown = { theme: rt.bootTheme, order: null, sections: {} };
        for (const id of ids) {
          rt.shown.sections[id] = renderKey(rt.bootDoc.sections[id]);
        }
        rt.shown.order = ids.join(",");
        this.syncFrame();
      } else {
        this.renderWholePage();
      }
      this.sendSelection();
    },

    schedulePreview() {
      clearTimeout(rt.previewTimer);
      rt.previewTimer = setTimeout(() => this.syncFrame(), SYNC_MS);
    },

    syncFrame() {
      if (!this.frameReady) {
        return;
      }
      if (JSON.stringify(this.theme) !== rt.shown.theme) {
        this.renderWholePage();
        return;
      }
      const order = this.visibleOrder();
      const stale = order.filter((id) => {
        const key = renderKey(this.doc.sections[id]);
        return rt.shown.sections[id] !== key && rt.pendingSections[id] !== key;
      });
      if (stale.length > WHOLE_PAGE_AFTER) {
        this.renderWholePage(); // a restore, a reload or a big undo: one request instead of many
        return;
      }
      for (const id of stale) {
        this.renderSection(id, renderKey(this.doc.sections[id]));
      }
      if (order.join(",") !== rt.shown.order) {
        rt.shown.order = order.join(",");
        this.sendFrame({ type: "kd:order", order, all: [...this.doc.order] });
      }
    },

    async renderSection(id, key) {
      rt.pendingSections[id] = key;
      rt.requests = (rt.requests || 0) + 1;
      const seq = rt.requests;
      rt.sectionSeq[id] = seq;
      const themeChanged = JSON.stringify(this.theme) !== rt.savedTheme;
      const result = await rt.api.post(this.boot.api.renderSection, {
        page: this.handle, section_id: id, section: JSON.parse(key), theme: themeChanged ? this.theme : null,
      });
      if (rt.sectionSeq[id] !== seq) {
        return;
      }
      delete rt.pendingSections[id];
      if (result.ok) {
        rt.shown.sections[id] = key;
        this.clearErrors(`sections.${id}.`);
        const order = this.visibleOrder();
        rt.shown.order = order.join(",");
        this.sendFrame({ type: "kd:section", id, html: result.data.html, order, all: [...this.doc.order] });
      } else if (result.status === 422) {
        this.setErrors(errorFields(result));
      }
    },

    async renderWholePage() {
      clearTimeout(rt.previewTimer);
      const seq = (rt.pageSeq || 0) + 1;
      rt.pageSeq = seq;
      this.frameBusy = true;
      const themeJson = JSON.stringify(this.theme);
      const sent = JSON.parse(JSON.stringify(this.doc));
      const result = await rt.api.post(this.boot.api.renderPage, { document: sent, theme: this.theme });
      if (rt.pageSeq !== seq) {
        return;
      }
      if (!result.ok) {
        this.frameBusy = false;
        if (result.status === 422) {
          this.setErrors(errorFields(result));
        }
        return;
      }
      rt.shown = { theme: themeJson, sections: {}, order: "" };
      rt.pendingSections = {};
      rt.sectionSeq = {}; // answers to section renders asked before this page was rendered are dropped
      const order = sent.order.filter((id) => !sent.sections[id].disabled);
      for (const id of order) {
        rt.shown.sections[id] = renderKey(sent.sections[id]);
      }
      rt.shown.order = order.join(",");
      this.sendFrame({ type: "kd:page", html: result.data.html });
      this.sendSelection();
      this.syncFrame(); // anything changed while the page was rendering
    },

    sendSelection() {
      const id = this.sel.scope === "section" ? this.sel.section : null;
      const section = id && this.doc.sections[id];
      const name = section ? this.sectionName(section) : "";
      this.sendFrame({ type: "kd:select", id, name });
    },

    hoverSection(id) {
      this.sendFrame({ type: "kd:hover", id });
    },

    frameWidth() {
      return this.device === "phone" ? "390px" : "100%";
    },
  };
}
