/**
 * A save as it happens, from the sandbox's events: each step, the push's percentage as a bar,
 * and at the end how to launch what was saved, or why it was not saved.
 */
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { saveOutcome } from '../../../../src/contract/environments';
import { readEventDetail } from '../../../../src/contract/event-codes';
import type { Sandbox, SandboxEvent, SaveStarted } from '../../api/types';
import { eventText } from '../../i18n/eventText';
import { useI18n } from '../../i18n/I18nProvider';
import { steps } from './launchProgress';
import { ProgressCard } from './ProgressCard';

/** A save started from the dashboard, with its events so far. */
export interface SaveUnderWay {
  sandbox: Sandbox;
  started: SaveStarted;
  /** The save's own events (api/saveEvents.ts). */
  events: SandboxEvent[];
  /** The stream ended: with the save's outcome, or with the sandbox's end when `events` has none. */
  finished: boolean;
  lost: boolean;
}

export interface SaveProgressProps {
  save: SaveUnderWay;
  onDismiss(): void;
}

export function SaveProgress({ save, onDismiss }: SaveProgressProps) {
  const { t } = useI18n();
  const { sandbox, started, events } = save;
  const last = events.at(-1);
  const outcome = last ? saveOutcome(last) : null;
  // The sandbox stopped or failed before the save said how it ended.
  const ended = save.finished && outcome === null;
  const done = outcome !== null || ended;
  const percent = last?.code === 'save_progress' && last.percent !== null ? Math.round(last.percent) : null;
  const failure = outcome === 'failed' && last ? readEventDetail(last.code, last.params) : null;
  const shown = steps(events, (event) => event.code);
  const where = percent === null ? t.saveProgress.preparing : t.saveProgress.pushed(percent);

  return (
    <ProgressCard
      title={t.saveProgress.title(sandbox.name, started.name)}
      done={done}
      percent={percent}
      label={t.saveProgress.steps}
      valueText={where}
      status={where}
      onDismiss={onDismiss}
    >
      <Box component="ol" aria-label={t.saveProgress.steps} sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 0.5 }}>
        {shown.map((event, i) => (
          <Box component="li" key={event.id} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
            <Box sx={{ pt: '2px' }} aria-hidden>
              {event.code === 'save_failed' ? (
                <ErrorIcon color="error" fontSize="small" />
              ) : i === shown.length - 1 && !done ? (
                <RadioButtonUncheckedIcon color="primary" fontSize="small" />
              ) : (
                <CheckCircleIcon color="success" fontSize="small" />
              )}
            </Box>
            {/* A failure's reason is in the alert under the list. */}
            <Typography variant="body2">{event.code === 'save_failed' ? t.saveProgress.failed(started.name) : eventText(t, event)}</Typography>
          </Box>
        ))}
      </Box>

      {outcome === 'saved' && (
        <Alert severity="success" sx={{ mt: 2 }}>
          {t.saveProgress.saved(`${sandbox.user}/${started.name}`)}
        </Alert>
      )}
      {outcome === 'failed' && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {failure?.code === 'save_failed' ? failure.params.reason : last?.message}
        </Alert>
      )}
      {ended && (
        <Alert severity="warning" sx={{ mt: 2 }}>
          {t.saveProgress.ended(sandbox.name)}
        </Alert>
      )}
      {save.lost && !done && (
        <Alert severity="warning" sx={{ mt: 2 }}>
          {t.saveProgress.lost}
        </Alert>
      )}
    </ProgressCard>
  );
}
