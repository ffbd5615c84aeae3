/**
 * The homes filesystem: a bar of what is used with the free and total bytes, a warning for
 * everyone while launches are refused for it (STORAGE_FULL), and for admins (the view has
 * `root` only for them) the alert that says where and what to do, or why it cannot be read.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import type { HomesStorage } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { formatBytes, percentOf } from '../utils/format';

export function HomesStorageView({ homes }: { homes: HomesStorage }) {
  const { t, locale } = useI18n();
  const id = useId();
  const { freeBytes, sizeBytes, root } = homes;
  const known = freeBytes !== null && sizeBytes !== null;
  const free = known ? formatBytes(freeBytes, locale) : '';
  const size = known ? formatBytes(sizeBytes, locale) : '';
  const used = known ? Math.round(percentOf(sizeBytes - freeBytes, sizeBytes)) : 0;
  return (
    <Box component="section" aria-labelledby={id}>
      {root !== undefined && homes.full && (
        <Alert severity="error" sx={{ mb: 1.5 }}>
          {t.storage.adminFull(root, free, size, homes.minFreePercent)}
        </Alert>
      )}
      {root !== undefined && !known && homes.problem && (
        <Alert severity="warning" sx={{ mb: 1.5 }}>
          {t.storage.adminUnknown(root, homes.problem)}
        </Alert>
      )}
      {root === undefined && homes.full && (
        <Alert severity="warning" sx={{ mb: 1.5 }}>
          {t.storage.full(homes.minFreePercent)}
        </Alert>
      )}
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mb: 0.5 }}>
        <Typography variant="body2" id={id}>
          {t.storage.title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {known ? t.storage.free(free, size) : t.storage.unknown}
        </Typography>
      </Box>
      {known && (
        <LinearProgress
          variant="determinate"
          value={used}
          color={homes.full ? 'error' : used >= 80 ? 'warning' : 'primary'}
          aria-labelledby={id}
          aria-valuetext={t.storage.free(free, size)}
        />
      )}
    </Box>
  );
}
