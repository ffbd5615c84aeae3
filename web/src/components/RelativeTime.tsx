/**
 * A moment as "3 minutes ago", with the exact date and time on hover and for screen readers' context.
 * A moment that has passed (the default) never reads as ahead (see formatPast); `future` is for
 * those that may lie ahead, like an expiry. `phrase` puts the relative time in a sentence
 * ("Stopped 3 minutes ago").
 */
import { useI18n } from '../i18n/I18nProvider';
import { formatDateTime, formatPast, formatRelative } from '../utils/format';
import { useNow } from './now';

export interface RelativeTimeProps {
  at: string;
  future?: boolean;
  phrase?: (when: string) => string;
}

export function RelativeTime({ at, future = false, phrase = (when) => when }: RelativeTimeProps) {
  const { locale } = useI18n();
  const now = useNow();
  return (
    <time dateTime={at} title={formatDateTime(at, locale)}>
      {phrase((future ? formatRelative : formatPast)(at, now, locale))}
    </time>
  );
}
