/**
 * The shared datasets a launch will mount, and where: the same for every image and machine (the
 * hub mounts each dataset its user gets into every sandbox), so the form only shows them.
 */
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import type { Dataset } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';

export function LaunchDatasets({ datasets }: { datasets: readonly Dataset[] }) {
  const { t } = useI18n();
  const title = useId();
  if (datasets.length === 0) return null;
  return (
    <Box component="section" aria-labelledby={title} sx={{ mt: 2 }}>
      <Typography variant="body1" color="text.secondary" id={title}>
        {t.launchDatasets.title}
      </Typography>
      <Box component="ul" sx={{ m: 0, mt: 0.5, pl: 0, listStyle: 'none', display: 'grid', gap: 0.5 }}>
        {datasets.map((d) => (
          <Box component="li" key={d.name} sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 1 }}>
            <Typography variant="body2" sx={{ fontWeight: 500 }}>
              {d.name}
            </Typography>
            <Typography variant="body2" component="code" sx={{ fontFamily: 'monospace' }}>
              {d.containerPath}
            </Typography>
            <Chip size="small" variant="outlined" label={d.readOnly ? t.launchDatasets.readOnly : t.launchDatasets.readWrite} />
            {d.description && (
              <Typography variant="caption" color="text.secondary">
                {d.description}
              </Typography>
            )}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
