// Fixtures shared by the copy guard's tests (copy.test.ts and copy-decide.test.ts).

import type { CopyState, GuardEvent, GuardEventType } from "./copy.js";

export const LS = "dr/main";

export const ev = (type: GuardEventType, uid: string, rv: string): GuardEvent => ({
  type,
  uid,
  sourceResourceVersion: rv,
});
export const owned = (uid: string, rv: string, extra: Partial<CopyState> = {}): CopyState => ({
  owner: LS,
  sourceUid: uid,
  sourceResourceVersion: rv,
  ...extra,
});
