/**
 * The last lines an ended sandbox's server wrote (kept by the hub when its container ended on its
 * own, tokens hidden), collapsed behind a toggle so the list stays short.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Collapse from '@mui/material/Collapse';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/I18nProvider';

export function LogTail({ name, text }: { name: string; text: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <Box sx={{ mt: 0.5 }}>
      <Button size="small" variant="text" sx={{ p: 0, minWidth: 0 }} aria-expanded={open} aria-controls={id} aria-label={t.home.logTailLabel(name)} onClick={() => setOpen((was) => !was)}>
        {t.home.logTail}
      </Button>
      <Collapse in={open} unmountOnExit>
        <Box
          component="pre"
          id={id}
          sx={{ m: 0, mt: 0.5, p: 1, maxWidth: 480, maxHeight: 240, overflow: 'auto', fontSize: 12, bgcolor: 'action.hover', borderRadius: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
        >
          {text}
        </Box>
      </Collapse>
    </Box>
  );
}
