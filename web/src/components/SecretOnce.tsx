/** A secret shown only once (a new token or password), with a button that copies it. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import { CopyButton } from './CopyButton';
import { monospace } from '../theme/theme';

export function SecretOnce({ message, secret, label, onClose }: { message: string; secret: string; label: string; onClose?: () => void }) {
  return (
    <Alert severity="success" onClose={onClose} sx={{ '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}>
      <Box sx={{ mb: 1 }}>{message}</Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Box component="code" aria-label={label} sx={{ fontFamily: monospace, wordBreak: 'break-all', bgcolor: 'action.hover', px: 1, py: 0.5, borderRadius: 1, userSelect: 'all' }}>
          {secret}
        </Box>
        <CopyButton text={secret} />
      </Box>
    </Alert>
  );
}
