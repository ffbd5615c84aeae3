/** A moment as "3 minutes ago", with the exact date and time on hover and for screen readers' context. */
import { useI18n } from '../i18n/I18nProvider';
import { formatDateTime, formatRelative } from '../utils/format';
import { useNow } from './now';

export function RelativeTime({ at }: { at: string }) {
  const { locale } = useI18n();
  const now = useNow();
  return (
    <time dateTime={at} title={formatDateTime(at, locale)}>
      {formatRelative(at, now, locale)}
    </time>
  );
}
