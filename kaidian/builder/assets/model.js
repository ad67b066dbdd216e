// Page documents on the editor's side: new sections and blocks from the schema's defaults and
// presets, copies with fresh ids, and the short summaries the section list shows. Every rule
// about what a document may hold is checked again by the server (kaidian.themes.documents).

const ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
const SUMMARY_KEYS = ["heading", "text", "title", "label", "tagline", "eyebrow", "placeholder", "greeting"];

export function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

export function newId(prefix, taken) {
  const base = String(prefix || "s").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24) || "s";
  for (;;) {
    let suffix = "";
    for (let i = 0; i < 6; i += 1) {
      suffix += ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)];
    }
    const id = `${base}-${suffix}`;
    if (!taken || !(id in taken)) {
      return id;
    }
  }
}

export function defaults(settings) {
  const out = {};
  for (const setting of settings || []) {
    out[setting.id] = clone(setting.default === undefined ? "" : setting.default);
  }
  return out;
}

export function newBlock(blockSchema, values) {
  return { type: blockSchema.type, settings: { ...defaults(blockSchema.settings), ...clone(values || {}) }, disabled: false };
}

export function newSection(schema, preset) {
  const chosen = preset || { settings: {}, blocks: [] };
  const section = {
    type: schema.type,
    settings: { ...defaults(schema.settings), ...clone(chosen.settings || {}) },
    blocks: {},
    block_order: [],
    disabled: false,
  };
  for (const block of chosen.blocks || []) {
    const blockSchema = schema.blocks.find((b) => b.type === block.type);
    if (blockSchema) {
      const id = newId(block.type, section.blocks);
      section.blocks[id] = newBlock(blockSchema, block.settings);
      section.block_order.push(id);
    }
  }
  return section;
}

export function copySection(section) {
  const copy = clone(section);
  copy.blocks = {};
  copy.block_order = [];
  for (const blockId of section.block_order || []) {
    const id = newId(section.blocks[blockId].type, copy.blocks);
    copy.blocks[id] = clone(section.blocks[blockId]);
    copy.block_order.push(id);
  }
  return copy;
}

export function summary(settings) {
  for (const key of SUMMARY_KEYS) {
    const value = settings && settings[key];
    if (typeof value === "string" && value.trim()) {
      return value.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 40);
    }
  }
  return "";
}

export function stripTags(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  return (template.content.textContent || "").replace(/\s+/g, " ").trim();
}

// What the preview of one section depends on: everything but whether it is hidden.
export function renderKey(section) {
  if (!section) {
    return "";
  }
  const { disabled, ...rest } = section;
  return JSON.stringify(rest);
}

export function format(text, values) {
  return String(text || "").replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}
