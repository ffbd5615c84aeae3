/** An admin sets one user's home quota in GiB, or empties the field to give them the default. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import { useEffect, useState, type FormEvent } from 'react';
import type { UpdateUserRequest, User } from '../../api/types';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { useSubmit } from '../../utils/useSubmit';

const GiB = 1024 ** 3;
/** The hub's bound (MAX_QUOTA_GIB in src/contract/api.ts): 1 PiB. */
const MAX_GIB = 1024 * 1024;

/** The field's number, null when empty (the default), undefined when it is not a quota. */
export function quotaFromField(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n <= MAX_GIB ? n : undefined;
}

export function QuotaDialog({ user, onClose, onUpdate }: { user: User | null; onClose(): void; onUpdate(user: User, changes: UpdateUserRequest): Promise<unknown> }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const { pending, error, run, reset } = useSubmit();
  useEffect(() => {
    setText(user?.quotaBytes != null ? String(Math.round((user.quotaBytes / GiB) * 100) / 100) : '');
    reset();
  }, [user, reset]);
  const quota = quotaFromField(text);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!user || quota === undefined) return;
    await run(async () => {
      await onUpdate(user, { quotaGiB: quota });
      onClose();
    });
  };
  return (
    <Dialog open={user !== null} onClose={onClose} fullWidth maxWidth="xs" aria-labelledby="quota-title">
      <DialogTitle id="quota-title">{t.admin.quotaTitle(user?.username ?? '')}</DialogTitle>
      <Box component="form" onSubmit={submit} noValidate>
        <DialogContent>
          <TextField
            label={t.admin.quotaGiB}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoFocus
            fullWidth
            error={quota === undefined}
            helperText={t.admin.quotaHelp}
            slotProps={{ htmlInput: { inputMode: 'decimal', spellCheck: false } }}
            sx={{ mt: 1 }}
          />
          {error !== null && (
            <Alert severity="error" sx={{ mt: 1 }}>
              {errorMessage(error, t)}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t.common.cancel}</Button>
          <Button type="submit" variant="contained" disabled={pending || quota === undefined}>
            {t.admin.saveQuota}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
