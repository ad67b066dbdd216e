// Undo and redo within the editing session: snapshots of the page and theme documents. Changes
// to one field in quick succession (typing, dragging a slider) are merged into one step.

const MERGE_MS = 1200;

export class History {
  constructor(limit = 100) {
    this.limit = limit;
    this.undoStack = [];
    this.redoStack = [];
    this.lastKey = null;
    this.lastAt = 0;
  }

  // Call before changing anything, with the state as it is now.
  checkpoint(snapshot, key) {
    const now = Date.now();
    const merge = key && key === this.lastKey && now - this.lastAt < MERGE_MS;
    this.lastKey = key || null;
    this.lastAt = now;
    if (merge) {
      return;
    }
    this.undoStack.push(snapshot);
    if (this.undoStack.length > this.limit) {
      this.undoStack.shift();
    }
    this.redoStack = [];
  }

  undo(current) {
    if (!this.undoStack.length) {
      return null;
    }
    this.redoStack.push(current);
    this.lastKey = null;
    return this.undoStack.pop();
  }

  redo(current) {
    if (!this.redoStack.length) {
      return null;
    }
    this.undoStack.push(current);
    this.lastKey = null;
    return this.redoStack.pop();
  }

  breakMerge() {
    this.lastKey = null;
  }
}
