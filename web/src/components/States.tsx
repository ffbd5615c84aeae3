/** The three states every list has besides "here it is": loading, empty, and failed; and Loaded, which picks one. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { errorMessage } from '../i18n/errorMessage';

export function LoadingState({ rows = 3 }: { rows?: number }) {
  const { t } = useI18n();
  return (
    <Box role="status" aria-live="polite" aria-busy="true">
      <Box component="span" sx={visuallyHidden}>
        {t.common.loading}
      </Box>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} variant="rounded" height={40} sx={{ mb: 1 }} />
      ))}
    </Box>
  );
}

export function EmptyState({ title, hint, action }: { title: string; hint?: string; action?: ReactNode }) {
  return (
    <Box sx={{ py: 4, textAlign: 'center' }}>
      <Typography variant="body1" sx={{ fontWeight: 500 }}>
        {title}
      </Typography>
      {hint && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          {hint}
        </Typography>
      )}
      {action && <Box sx={{ mt: 2 }}>{action}</Box>}
    </Box>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <Alert
      severity="error"
      action={
        onRetry && (
          <Button color="inherit" size="small" onClick={onRetry}>
            {t.common.retry}
          </Button>
        )
      }
    >
      {errorMessage(error, t)}
    </Alert>
  );
}

/**
 * What a section shows for data a query fetches: the error while nothing ever came (data a
 * refetch failed to renew stays on screen), the skeleton while loading, the empty state, or
 * the data itself.
 */
export function Loaded<T>({
  data,
  error,
  onRetry,
  empty,
  isEmpty = (d) => Array.isArray(d) && d.length === 0,
  loadingRows,
  children,
}: {
  data: T | undefined;
  error: unknown;
  onRetry?: () => void;
  empty: ReactNode | ((data: T) => ReactNode);
  isEmpty?: (data: T) => boolean;
  loadingRows?: number;
  children: (data: T) => ReactNode;
}) {
  if (data === undefined) return error ? <ErrorState error={error} onRetry={onRetry} /> : <LoadingState rows={loadingRows} />;
  if (isEmpty(data)) return <>{typeof empty === 'function' ? empty(data) : empty}</>;
  return <>{children(data)}</>;
}

/** Present for screen readers, invisible on screen. */
export const visuallyHidden = {
  border: 0,
  clip: 'rect(0 0 0 0)',
  height: '1px',
  margin: '-1px',
  overflow: 'hidden',
  padding: 0,
  position: 'absolute',
  whiteSpace: 'nowrap',
  width: '1px',
} as const;
