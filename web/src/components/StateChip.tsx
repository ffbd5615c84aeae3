/** A sandbox's state as a coloured chip with its name in words (colour is never the only cue). */
import Chip, { type ChipProps } from '@mui/material/Chip';
import type { SandboxState } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';

const colours: Record<SandboxState, ChipProps['color']> = {
  queued: 'default',
  pulling: 'info',
  creating: 'info',
  starting: 'info',
  waiting: 'info',
  running: 'success',
  unknown: 'warning',
  stopping: 'warning',
  stopped: 'default',
  failed: 'error',
};

export function StateChip({ state }: { state: SandboxState }) {
  const { t } = useI18n();
  return <Chip size="small" color={colours[state]} variant={state === 'running' ? 'filled' : 'outlined'} label={t.states[state]} />;
}
