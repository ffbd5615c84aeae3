/**
 * A home directory's measured size against its quota: a bar with the figures in words, and, on
 * the owner's own page, a banner at 90% (warning) and 100% (launches refused). A home without a
 * quota shows its size alone; one not measured yet says so.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import type { User } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { RelativeTime } from './RelativeTime';

const GiB = 1024 ** 3;
/** The share at which the hub warns (src/quota/home-quotas.ts). */
const WARN_AT = 90;

const gib = (bytes: number) => String(Math.round((bytes / GiB) * 100) / 100);

/** Whether the hub refuses launches for this home now: measured at or over its quota (src/quota/home-quotas.ts). */
export function overQuota(user: Pick<User, 'homeBytes' | 'quotaBytes'>): boolean {
  return user.homeBytes !== null && user.quotaBytes !== null && user.homeBytes >= user.quotaBytes;
}

/** The home's use as a whole percentage of its quota; null without a figure or a quota. */
export function homePercent(user: Pick<User, 'homeBytes' | 'quotaBytes'>): number | null {
  if (user.homeBytes === null || user.quotaBytes === null) return null;
  if (user.quotaBytes === 0) return user.homeBytes > 0 ? 100 : 0;
  return Math.floor((user.homeBytes / user.quotaBytes) * 100);
}

export interface HomeUsageProps {
  user: Pick<User, 'homeBytes' | 'quotaBytes' | 'measuredAt'>;
  /** The owner's own view: a title, when it was measured, and the banner. */
  own?: boolean;
}

export function HomeUsage({ user, own = false }: HomeUsageProps) {
  const { t } = useI18n();
  const id = useId();
  const percent = homePercent(user);
  const detail =
    user.homeBytes === null ? t.home.diskUnknown : user.quotaBytes === null ? t.home.diskNoQuota(gib(user.homeBytes)) : t.home.diskOf(gib(user.homeBytes), gib(user.quotaBytes));
  const color = percent === null ? 'primary' : percent >= 100 ? 'error' : percent >= WARN_AT ? 'warning' : 'primary';
  return (
    <Box sx={{ minWidth: 160 }}>
      {own && percent !== null && percent >= 100 && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {t.home.diskOver}
        </Alert>
      )}
      {own && percent !== null && percent >= WARN_AT && percent < 100 && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          {t.home.diskWarning(percent)}
        </Alert>
      )}
      <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1 }}>
        {own && (
          <Typography variant="body2" id={id}>
            {t.home.disk}
          </Typography>
        )}
        <Typography variant="body2" color="text.secondary">
          {detail}
          {own && user.measuredAt && (
            <>
              {' · '}
              <RelativeTime at={user.measuredAt} phrase={t.home.diskMeasured} />
            </>
          )}
        </Typography>
      </Box>
      {percent !== null && (
        <LinearProgress
          variant="determinate"
          value={Math.min(100, percent)}
          color={color}
          aria-labelledby={own ? id : undefined}
          aria-label={own ? undefined : t.home.disk}
          aria-valuetext={detail}
          sx={{ height: 8, borderRadius: 4, mt: 0.5 }}
        />
      )}
    </Box>
  );
}
