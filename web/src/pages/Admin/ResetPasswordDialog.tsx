/** Resetting a user's password (admins): one typed or generated, shown once after it is set. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useState, type FormEvent } from 'react';
import type { UpdateUserRequest, User } from '../../api/types';
import { SecretOnce } from '../../components/SecretOnce';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { useSubmit } from '../../utils/useSubmit';
import { generatePassword } from './password';
import { MIN_PASSWORD } from './CreateUserDialog';

export function ResetPasswordDialog({ user, onClose, onUpdate }: { user: User | null; onClose(): void; onUpdate(user: User, changes: UpdateUserRequest): Promise<unknown> }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const { pending, error, run, reset } = useSubmit();
  const [done, setDone] = useState(false);
  const close = () => {
    setPassword('');
    reset();
    setDone(false);
    onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!user || password.length < MIN_PASSWORD) return;
    await run(async () => {
      await onUpdate(user, { password });
      setDone(true);
    });
  };
  return (
    <Dialog open={user !== null} onClose={close} fullWidth maxWidth="xs" aria-labelledby="reset-password-title">
      <DialogTitle id="reset-password-title">{t.admin.resetTitle(user?.username ?? '')}</DialogTitle>
      {done ? (
        <>
          <DialogContent>
            <SecretOnce message={t.admin.passwordShownOnce(user?.username ?? '')} secret={password} label={t.admin.newPassword} />
          </DialogContent>
          <DialogActions>
            <Button onClick={close} variant="contained">
              {t.common.close}
            </Button>
          </DialogActions>
        </>
      ) : (
        <Box component="form" onSubmit={submit} noValidate>
          <DialogContent>
            <Stack direction="row" spacing={1} sx={{ pt: 1, alignItems: 'flex-start' }}>
              <TextField
                label={t.admin.newPassword}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete="new-password"
                autoFocus
                fullWidth
                error={password !== '' && password.length < MIN_PASSWORD}
                helperText={t.settings.tooShort}
                slotProps={{ htmlInput: { spellCheck: false } }}
              />
              <Button onClick={() => setPassword(generatePassword())} sx={{ mt: 1 }}>
                {t.admin.generate}
              </Button>
            </Stack>
            {error !== null && (
              <Alert severity="error" sx={{ mt: 1 }}>
                {errorMessage(error, t)}
              </Alert>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>{t.common.cancel}</Button>
            <Button type="submit" variant="contained" disabled={pending || password.length < MIN_PASSWORD}>
              {t.admin.save}
            </Button>
          </DialogActions>
        </Box>
      )}
    </Dialog>
  );
}
