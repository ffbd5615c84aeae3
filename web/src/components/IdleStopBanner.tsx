/**
 * The banner of a running sandbox the hub is about to stop (its `idleStop`, docs/culling.md):
 * when, in the reader's time zone and from now, and why, with a Keep it running button for an
 * idle stop. A max_age stop has no button: nothing postpones the maximum age, and it says so.
 */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import type { Sandbox } from '../api/types';
import { clock } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { formatRelative } from '../utils/format';
import { useNow } from './now';

export interface IdleStopBannerProps {
  sandbox: Pick<Sandbox, 'id' | 'name' | 'idleStop'>;
  /** A keep (or a stop) is on its way: the button waits. */
  busy: boolean;
  onKeep(sandbox: Pick<Sandbox, 'id' | 'name'>): void;
}

export function IdleStopBanner({ sandbox, busy, onKeep }: IdleStopBannerProps) {
  const { t, locale } = useI18n();
  const now = useNow();
  const stop = sandbox.idleStop;
  if (!stop) return null;
  const text = t.idleStop[stop.reason](sandbox.name, clock(stop.at, locale), formatRelative(stop.at, now, locale));
  return (
    <Alert
      severity="warning"
      role="alert"
      sx={{ mb: 2 }}
      action={
        stop.reason === 'max_age' ? undefined : (
          <Button color="inherit" size="small" variant="outlined" disabled={busy} aria-label={t.idleStop.keepLabel(sandbox.name)} onClick={() => onKeep(sandbox)}>
            {t.idleStop.keep}
          </Button>
        )
      }
    >
      {text}
    </Alert>
  );
}
