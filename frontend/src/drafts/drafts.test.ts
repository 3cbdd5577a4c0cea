import { describe, expect, it } from "vitest";
import { discardDrafts, loadDraft, saveDraft } from "./drafts";

describe("drafts", () => {
  it("are kept per user and form", () => {
    const storage = window.sessionStorage;
    saveDraft(storage, "u1", "reception.register", { firstName: "Asha" });
    saveDraft(storage, "u2", "reception.register", { firstName: "Ravi" });
    expect(loadDraft(storage, "u1", "reception.register")).toEqual({ firstName: "Asha" });
    expect(loadDraft(storage, "u2", "reception.register")).toEqual({ firstName: "Ravi" });
    expect(loadDraft(storage, "u1", "admin.device")).toBeNull();
  });

  it("of one user are discarded without touching another's, and all of them on switching user", () => {
    const storage = window.sessionStorage;
    saveDraft(storage, "u1", "a", { x: 1 });
    saveDraft(storage, "u2", "a", { x: 2 });
    storage.setItem("unrelated", "kept");
    discardDrafts(storage, "u1");
    expect(loadDraft(storage, "u1", "a")).toBeNull();
    expect(loadDraft(storage, "u2", "a")).toEqual({ x: 2 });
    discardDrafts(storage, null);
    expect(loadDraft(storage, "u2", "a")).toBeNull();
    expect(storage.getItem("unrelated")).toBe("kept");
  });
});
