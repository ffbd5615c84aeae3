/**
 * A user, sandbox or token name (or `user/name`) on one line: a narrow column never breaks it inside
 * ("admi/n"); past `maxWidth` it ends in an ellipsis, with the whole name on hover. The text stays
 * whole in the page, so screen readers and copying get all of it. A plain span with an inline
 * style, as the machines page shows hundreds.
 */
import type { CSSProperties } from 'react';

const oneLine: CSSProperties = {
  display: 'inline-block',
  overflow: 'hidden',
  textOverflow: 'ellipsis',
  whiteSpace: 'nowrap',
  verticalAlign: 'bottom',
};

/** Names are at most 32 characters (src/contract/names.ts); `user/name` fits 16em in most fonts. */
const DEFAULT_MAX_WIDTH = '16em';

export function OneLineName({ name, maxWidth = DEFAULT_MAX_WIDTH }: { name: string; maxWidth?: string }) {
  return (
    <span title={name} style={{ ...oneLine, maxWidth }}>
      {name}
    </span>
  );
}
