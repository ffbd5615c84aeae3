/**
 * How a description is kept, whoever wrote it: an image's label in the team's registry
 * (src/images/registry-catalogue.ts) or what a user typed when saving an environment
 * (src/environments/save.ts). Both reach every user's terminal and browser.
 */

/** Characters of a description kept: a label is free text of any length. */
export const MAX_DESCRIPTION = 500;

/**
 * A description as one line of plain text of MAX_DESCRIPTION characters at most: control and
 * format characters (line breaks, terminal escapes, bidirectional overrides that reorder what
 * is shown) become spaces, as a label is anyone's free text.
 */
export function plainText(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').replace(/\s{2,}/g, ' ').trim().slice(0, MAX_DESCRIPTION);
}
