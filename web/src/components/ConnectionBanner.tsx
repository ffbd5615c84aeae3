/**
 * "Cannot reach the hub. Retrying…" while the hub does not answer: probes it with growing pauses
 * and, once it answers, refetches everything the page shows.
 */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { request } from '../api/client';
import { useHubReachable } from '../api/connection';
import { useI18n } from '../i18n/I18nProvider';

const FIRST_PROBE_MS = 1_000;
const LAST_PROBE_MS = 15_000;

export function ConnectionBannerView({ reachable, onRetryNow }: { reachable: boolean; onRetryNow(): void }) {
  const { t } = useI18n();
  if (reachable) return null;
  return (
    <Alert
      severity="warning"
      role="alert"
      sx={{ borderRadius: 0 }}
      action={
        <Button color="inherit" size="small" onClick={onRetryNow}>
          {t.connection.retryNow}
        </Button>
      }
    >
      {t.connection.unreachable}
    </Alert>
  );
}

export function ConnectionBanner() {
  const reachable = useHubReachable();
  const queryClient = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const probe = useCallback(
    async (pause: number) => {
      clearTimeout(timer.current);
      try {
        await request('/api/health');
        await queryClient.invalidateQueries();
      } catch {
        timer.current = setTimeout(() => void probe(Math.min(pause * 2, LAST_PROBE_MS)), pause);
      }
    },
    [queryClient],
  );

  useEffect(() => {
    if (reachable) return undefined;
    timer.current = setTimeout(() => void probe(FIRST_PROBE_MS * 2), FIRST_PROBE_MS);
    return () => clearTimeout(timer.current);
  }, [reachable, probe]);

  return <ConnectionBannerView reachable={reachable} onRetryNow={() => void probe(FIRST_PROBE_MS)} />;
}
