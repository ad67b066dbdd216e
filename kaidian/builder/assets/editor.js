// The builder's entry point: bundled with SortableJS and Alpine.js into static/builder/editor.bundle.js.
import Alpine from "alpinejs";
import Sortable from "sortablejs";

window.Sortable = Sortable;
window.Alpine = Alpine;
document.addEventListener("DOMContentLoaded", () => Alpine.start());
