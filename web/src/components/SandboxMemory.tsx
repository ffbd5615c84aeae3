/**
 * A running sandbox's memory in use against its limit: "5.2 GiB of 16 GiB" and a bar, amber with
 * a sentence at 90% (where the hub records a `memory_warning` event, src/sandboxes/memory-warnings.ts),
 * so that a kernel ended for memory is not the first sign. Nothing before the hub's first
 * reading, or for a sandbox that does not run.
 */
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { Sandbox } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { formatGiBDown, formatNumber, GiB, percentOf } from '../utils/format';

/** The share of the limit at which the hub warns, in percent. */
const WARN_AT = 90;

export function SandboxMemory({ sandbox }: { sandbox: Pick<Sandbox, 'state' | 'memoryGiB' | 'memoryUsedBytes'> }) {
  const { t, locale } = useI18n();
  const used = sandbox.memoryUsedBytes;
  if (sandbox.state !== 'running' || used === null) return null;
  // Floored, like the hub's event: the bar never says more than the figures do.
  const percent = Math.floor(percentOf(used, sandbox.memoryGiB * GiB));
  const near = percent >= WARN_AT;
  const detail = t.home.memoryOf(formatGiBDown(used, locale), `${formatNumber(sandbox.memoryGiB, locale, 1)} GiB`);
  return (
    <Box sx={{ minWidth: 120, mt: 0.5 }}>
      <Typography variant="caption" color={near ? 'warning.main' : 'text.secondary'} sx={{ display: 'block' }}>
        {detail}
      </Typography>
      <LinearProgress
        variant="determinate"
        value={percent}
        color={near ? 'warning' : 'primary'}
        aria-label={t.home.memoryInUse}
        aria-valuetext={detail}
        sx={{ height: 6, borderRadius: 3 }}
      />
      {near && (
        <Typography variant="caption" color="warning.main" role="status" sx={{ display: 'block', maxWidth: 220, whiteSpace: 'normal' }}>
          {t.home.memoryNearLimit}
        </Typography>
      )}
    </Box>
  );
}
