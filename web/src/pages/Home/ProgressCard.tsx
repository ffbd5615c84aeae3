/**
 * The frame of something under way on Home (a launch, a save): a titled card with Dismiss once it
 * is done, and until then a bar (its percentage where one is known) with a line saying where it
 * stands; the steps and the outcome go inside.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useId, type ReactNode } from 'react';
import { useI18n } from '../../i18n/I18nProvider';

export interface ProgressCardProps {
  title: string;
  done: boolean;
  /** How far it has come (0-100); null: unknown, the bar moves without a figure. */
  percent: number | null;
  /** The bar's name for screen readers. */
  label: string;
  /** Where it stands, for screen readers: the percentage in words, or the step. */
  valueText: string;
  /** The line under the bar, read out as it changes. */
  status: string;
  onDismiss(): void;
  children: ReactNode;
}

export function ProgressCard({ title, done, percent, label, valueText, status, onDismiss, children }: ProgressCardProps) {
  const { t } = useI18n();
  const titleId = useId();
  return (
    <Card sx={{ mb: 3 }} component="section" aria-labelledby={titleId}>
      <CardContent>
        <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 1, mb: 1 }}>
          <Typography variant="h2" id={titleId}>
            {title}
          </Typography>
          {done && (
            <Button size="small" onClick={onDismiss}>
              {t.progress.dismiss}
            </Button>
          )}
        </Box>
        {!done && (
          <Box sx={{ my: 2 }}>
            <LinearProgress variant={percent === null ? 'indeterminate' : 'determinate'} value={percent ?? undefined} aria-label={label} aria-valuetext={valueText} />
            <Typography variant="body2" sx={{ mt: 1 }} role="status" aria-live="polite">
              {status}
            </Typography>
          </Box>
        )}
        {children}
      </CardContent>
    </Card>
  );
}
