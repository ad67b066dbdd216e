// The pickers the settings widgets open: the media library (with upload), products (one or a
// list), categories and groups, and links (store pages, products, categories, web addresses).

import { errorMessage } from "./api.js";
import { format } from "./model.js";


export function pickersPart(rt) {
  return {
    media: { open: false, loading: false, uploading: false, items: [], setting: null, dragging: false },
    picker: { open: false, mode: "product", multi: false, query: "", loading: false, results: [], chosen: [], setting: null, max: 0 },
    link: { open: false, tab: "pages", setting: null, custom: "", query: "", loading: false, results: [] },
    catalog: { categories: null, groups: null },
    products: {},

    // --- images ------------------------------------------------------------------------------

    imageUrl(setting) {
      const key = this.value(setting);
      if (!key) {
        return "";
      }
      const known = this.media.items.find((item) => item.key === key);
      return known ? known.url : `${this.boot.urls.media}${key}`;
    },

    async openMedia(setting) {
      this.media.setting = setting;
      this.media.open = true;
      if (!this.media.items.length) {
        this.media.loading = true;
        const result = await rt.api.get(this.boot.api.media);
        this.media.loading = false;
        if (result.ok) {
          this.media.items = result.data;
        }
      }
    },

    chooseImage(item) {
      if (this.media.setting) {
        this.setValue(this.media.setting, item.key);
      }
      this.media.open = false;
    },

    isCurrentImage(item) {
      return this.media.setting && this.value(this.media.setting) === item.key;
    },

    async uploadFiles(files) {
      const file = files && files[0];
      if (!file) {
        return;
      }
      this.media.uploading = true;
      const form = new FormData();
      form.append("file", file);
      const result = await rt.api.post(this.boot.api.images, form);
      this.media.uploading = false;
      if (!result.ok) {
        const fields = (result.data && result.data.error && result.data.error.fields) || {};
        this.toast((fields.file && fields.file[0]) || errorMessage(result, this.t.uploadFailed), "error");
        return;
      }
      this.media.items = [result.data, ...this.media.items.filter((item) => item.key !== result.data.key)];
      this.chooseImage(result.data);
    },

    onUpload(event) {
      this.uploadFiles(event.target.files);
      event.target.value = "";
    },

    onDrop(event) {
      this.media.dragging = false;
      this.uploadFiles(event.dataTransfer && event.dataTransfer.files);
    },

    // --- products ----------------------------------------------------------------------------

    productTitle(id) {
      const product = this.products[id];
      if (product === undefined) {
        this.fetchProduct(id);
        return "…";
      }
      return product ? product.title : this.t.missingProduct;
    },

    productThumb(id) {
      const product = this.products[id];
      return (product && product.thumb_url) || "";
    },

    async fetchProduct(id) {
      if (rt.fetchingProducts[id]) {
        return;
      }
      rt.fetchingProducts[id] = true;
      const result = await rt.api.get(`${this.boot.api.products}/${encodeURIComponent(id)}`);
      this.products[id] = result.ok
        ? { title: result.data.title, thumb_url: (result.data.images && result.data.images[0] && result.data.images[0].thumb_url) || result.data.thumb_url || "" }
        : null;
    },

    productList(setting) {
      const value = this.value(setting);
      return Array.isArray(value) ? value : [];
    },

    removeProduct(setting, id) {
      this.setValue(setting, this.productList(setting).filter((other) => other !== id));
    },

    moveProduct(setting, id, delta) {
      const list = [...this.productList(setting)];
      const index = list.indexOf(id);
      const target = index + delta;
      if (target < 0 || target >= list.length) {
        return;
      }
      list.splice(index, 1);
      list.splice(target, 0, id);
      this.setValue(setting, list);
    },

    openProducts(setting) {
      const multi = setting.type === "product_list";
      this.picker = {
        open: true, mode: "product", multi, query: "", loading: false, results: [], setting,
        chosen: multi ? [...this.productList(setting)] : [], max: multi ? setting.max_items : 1,
      };
      this.searchProducts();
    },

    async searchProducts() {
      const query = this.picker.query.trim();
      this.picker.loading = true;
      const url = `${this.boot.api.products}?per_page=30&q=${encodeURIComponent(query)}`;
      const result = await rt.api.get(url);
      if (query !== this.picker.query.trim()) {
        return;
      }
      this.picker.loading = false;
      this.picker.results = result.ok ? result.data : [];
      for (const row of this.picker.results) {
        this.products[row.id] = { title: row.title, thumb_url: row.thumb_url };
      }
    },

    onPickerQuery() {
      clearTimeout(rt.pickerTimer);
      rt.pickerTimer = setTimeout(() => this.searchProducts(), 250);
    },

    isPicked(id) {
      return this.picker.chosen.includes(id);
    },

    pickProduct(row) {
      if (!this.picker.multi) {
        this.setValue(this.picker.setting, row.id);
        this.picker.open = false;
        return;
      }
      if (this.isPicked(row.id)) {
        this.picker.chosen = this.picker.chosen.filter((id) => id !== row.id);
      } else if (this.picker.chosen.length < this.picker.max) {
        this.picker.chosen = [...this.picker.chosen, row.id];
      } else {
        this.toast(format(this.t.pickAtMost, { max: this.picker.max }), "error");
      }
    },

    pickedCount() {
      return format(this.t.pickedCount, { n: this.picker.chosen.length, max: this.picker.max });
    },

    donePicking() {
      this.setValue(this.picker.setting, [...this.picker.chosen]);
      this.picker.open = false;
    },

    productStatus(row) {
      return row.shopper_status && row.shopper_status !== "on_sale" ? this.t[`status_${row.shopper_status}`] || "" : "";
    },

    price(fen) {
      return fen === null || fen === undefined ? "" : `¥${(fen / 100).toFixed(2)}`;
    },

    // --- categories and groups ---------------------------------------------------------------

    async loadCatalog() {
      if (this.catalog.categories !== null) {
        return;
      }
      this.catalog.categories = [];
      const [categories, groups] = await Promise.all([rt.api.get(this.boot.api.categories), rt.api.get(this.boot.api.groups)]);
      this.catalog.categories = categories.ok ? categories.data : [];
      this.catalog.groups = groups.ok ? groups.data : [];
    },

    categoryOptions() {
      this.loadCatalog();
      return (this.catalog.categories || []).map((c) => ({ id: c.id, label: c.parent_id ? `— ${c.name}` : c.name }));
    },

    groupOptions() {
      this.loadCatalog();
      return this.catalog.groups || [];
    },

    categoryName(id) {
      const found = (this.catalog.categories || []).find((c) => c.id === id);
      return found ? found.name : "";
    },

    // --- links -------------------------------------------------------------------------------

    pageLinks() {
      const out = [];
      for (const row of this.boot.pages) {
        if (!row.path || row.path.includes("<")) {
          continue; // a page kind with no single address (the product page shows one product at a time)
        }
        const path = row.path;
        out.push({ path, label: row.kind === "custom" ? row.title || row.handle : row.label, hint: path });
      }
      return out;
    },

    linkLabel(value) {
      if (!value) {
        return "";
      }
      const page = this.pageLinks().find((p) => p.path === value);
      if (page) {
        return page.label;
      }
      let match = value.match(/^\/products\/([0-9a-f-]{36})$/);
      if (match) {
        return format(this.t.productLink, { name: this.productTitle(match[1]) });
      }
      match = value.match(/^\/categories\/([0-9a-f-]{36})$/);
      if (match) {
        this.loadCatalog();
        return format(this.t.categoryLink, { name: this.categoryName(match[1]) || "…" });
      }
      return value;
    },

    openLink(setting) {
      const current = this.value(setting) || "";
      this.link = {
        open: true, tab: current.startsWith("/products/") ? "products" : current.startsWith("/categories/") ? "categories"
          : /^(https?:|tel:)/.test(current) ? "web" : "pages",
        setting, custom: /^(https?:|tel:)/.test(current) ? current : "", query: "", loading: false, results: [],
      };
      this.loadCatalog();
      if (this.link.tab === "products") {
        this.searchLinkProducts();
      }
    },

    linkTab(tab) {
      this.link.tab = tab;
      if (tab === "products" && !this.link.results.length) {
        this.searchLinkProducts();
      }
    },

    async searchLinkProducts() {
      const query = this.link.query.trim();
      this.link.loading = true;
      const result = await rt.api.get(`${this.boot.api.products}?per_page=30&q=${encodeURIComponent(query)}`);
      if (query !== this.link.query.trim()) {
        return;
      }
      this.link.loading = false;
      this.link.results = result.ok ? result.data : [];
      for (const row of this.link.results) {
        this.products[row.id] = { title: row.title, thumb_url: row.thumb_url };
      }
    },

    onLinkQuery() {
      clearTimeout(rt.linkTimer);
      rt.linkTimer = setTimeout(() => this.searchLinkProducts(), 250);
    },

    chooseLink(path) {
      this.setValue(this.link.setting, path);
      this.link.open = false;
    },

    applyCustomLink() {
      const value = this.link.custom.trim();
      if (value) {
        this.chooseLink(value);
      }
    },

    isCurrentLink(path) {
      return this.link.setting && this.value(this.link.setting) === path;
    },

    closeModals() {
      if (this.media.open || this.picker.open || this.link.open) {
        this.media.open = false;
        this.picker.open = false;
        this.link.open = false;
        return;
      }
      if (this.templates.confirm) {
        this.templates.confirm = null;
        return;
      }
      this.library.open = false;
      this.versions.open = false;
      this.blockMenu = null;
    },
  };
}
