/**
 * Which page of a keyset-paged list (src/contract/paging.ts) is shown: the cursors of the pages
 * walked through to reach it, so Back needs no cursor of its own. A new `key` (another search)
 * starts again at the first page.
 */
import { useState } from 'react';

export interface CursorPages {
  /** 0 for the first page. */
  index: number;
  /** The cursor that asks for the page shown; null for the first. */
  cursor: string | null;
  /** Shows the page `next` (the shown page's `next`) asks for. */
  forward(next: string): void;
  back(): void;
}

export function useCursorPages(key: string): CursorPages {
  const [walked, setWalked] = useState<{ key: string; cursors: ReadonlyArray<string | null> }>({ key, cursors: [null] });
  const cursors = walked.key === key ? walked.cursors : [null];
  return {
    index: cursors.length - 1,
    cursor: cursors.at(-1) ?? null,
    forward: (next) => setWalked({ key, cursors: [...cursors, next] }),
    back: () => setWalked({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}
