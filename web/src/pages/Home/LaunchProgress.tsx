/**
 * A launch as it comes up: each step as it happens, the pull percentage as a bar, and at the
 * end an Open button, or why it failed with the last lines of the container's log.
 */
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { isOutcome } from '../../../../src/contract/sandbox-states';
import type { Sandbox, SandboxEvent } from '../../api/types';
import { eventText } from '../../i18n/eventText';
import { useI18n } from '../../i18n/I18nProvider';
import { monospace } from '../../theme/theme';
import { splitFailure, steps } from './launchProgress';
import { ProgressCard } from './ProgressCard';

export interface LaunchProgressProps {
  sandbox: Sandbox;
  events: SandboxEvent[];
  lost: boolean;
  onDismiss(): void;
}

export function LaunchProgress({ sandbox, events, lost, onDismiss }: LaunchProgressProps) {
  const { t } = useI18n();
  const last = events.at(-1);
  const state = last?.state ?? sandbox.state;
  const done = isOutcome(state);
  const pullPercent = state === 'pulling' && last?.percent !== null && last?.percent !== undefined ? Math.round(last.percent) : null;
  const failure = state === 'failed' ? splitFailure(last?.message ?? sandbox.reason ?? '') : null;
  const shown = steps(events);

  return (
    <ProgressCard
      title={t.progress.title(sandbox.name)}
      done={done}
      percent={pullPercent}
      label={t.progress.steps}
      valueText={pullPercent === null ? t.states[state] : t.progress.pullPercent(pullPercent)}
      status={`${t.states[state]}${pullPercent !== null ? ` — ${t.progress.pullPercent(pullPercent)}` : ''}`}
      onDismiss={onDismiss}
    >
      <Box component="ol" aria-label={t.progress.steps} sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 0.5 }}>
        {shown.map((event, i) => {
          const current = i === shown.length - 1;
          const icon =
            event.state === 'failed' ? (
              <ErrorIcon color="error" fontSize="small" />
            ) : current && !done ? (
              <RadioButtonUncheckedIcon color="primary" fontSize="small" />
            ) : (
              <CheckCircleIcon color="success" fontSize="small" />
            );
          return (
            <Box component="li" key={event.id} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
              <Box sx={{ pt: '2px' }} aria-hidden>
                {icon}
              </Box>
              <Box sx={{ minWidth: 0 }}>
                <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>
                  {t.states[event.state]}
                  {event.percent !== null && event.state === 'pulling' && ` ${Math.round(event.percent)}%`}
                </Typography>
                {event.state !== 'failed' && event.message && (
                  <Typography variant="body2" component="span" color="text.secondary">
                    {' '}
                    — {eventText(t, event)}
                  </Typography>
                )}
              </Box>
            </Box>
          );
        })}
      </Box>

      {state === 'running' && (
        <Alert
          severity="success"
          sx={{ mt: 2 }}
          action={
            <Button variant="contained" color="success" href={sandbox.url} target="_blank" rel="noopener noreferrer" endIcon={<OpenInNewIcon />}>
              {t.progress.open}
            </Button>
          }
        >
          {t.progress.ready(sandbox.name)}
        </Alert>
      )}
      {state === 'stopped' && (
        <Alert severity="info" sx={{ mt: 2 }}>
          {t.progress.stopped(sandbox.name)}
        </Alert>
      )}
      {failure && (
        <Alert severity="error" sx={{ mt: 2, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}>
          <AlertTitle>{t.progress.failed(sandbox.name)}</AlertTitle>
          {failure.reason}
          {failure.log && (
            <Box sx={{ mt: 1 }}>
              <Typography variant="caption" component="p" sx={{ fontWeight: 600 }}>
                {t.progress.log}
              </Typography>
              <Box
                component="pre"
                tabIndex={0}
                aria-label={t.progress.log}
                sx={{
                  m: 0,
                  mt: 0.5,
                  p: 1,
                  maxHeight: 240,
                  overflow: 'auto',
                  fontSize: 12,
                  fontFamily: monospace,
                  bgcolor: 'action.hover',
                  color: 'text.primary',
                  borderRadius: 1,
                  whiteSpace: 'pre-wrap',
                  wordBreak: 'break-word',
                }}
              >
                {failure.log}
              </Box>
            </Box>
          )}
        </Alert>
      )}
      {lost && !done && (
        <Alert severity="warning" sx={{ mt: 2 }}>
          {t.progress.lost}
        </Alert>
      )}
    </ProgressCard>
  );
}
