/** A secret shown only once (a new token or password), with a button that copies it. */
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';

export function SecretOnce({ message, secret, label, onClose }: { message: string; secret: string; label: string; onClose?: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // No clipboard permission: the secret stays selectable on the page.
      setCopied(false);
    }
  };
  return (
    <Alert severity="success" onClose={onClose} sx={{ '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}>
      <Box sx={{ mb: 1 }}>{message}</Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Box
          component="code"
          aria-label={label}
          sx={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', wordBreak: 'break-all', bgcolor: 'action.hover', px: 1, py: 0.5, borderRadius: 1, userSelect: 'all' }}
        >
          {secret}
        </Box>
        <Button size="small" variant="outlined" startIcon={<ContentCopyIcon />} onClick={copy} aria-live="polite">
          {copied ? t.common.copied : t.common.copy}
        </Button>
      </Box>
    </Alert>
  );
}
