/** When a credential (an API token, an SSH key) was last used and from which address, or "Never". */
import Typography from '@mui/material/Typography';
import { useI18n } from '../i18n/I18nProvider';
import { RelativeTime } from './RelativeTime';

export function LastUsed({ at, from }: { at: string | null; from: string | null }) {
  const { t } = useI18n();
  if (!at) return <>{t.common.never}</>;
  return (
    <>
      <RelativeTime at={at} />
      {from && (
        <Typography variant="caption" color="text.secondary" component="span">
          {' '}
          {t.settings.from(from)}
        </Typography>
      )}
    </>
  );
}
