/** Creating an account (admins): name, an optional password (else one generated and shown once), admin or not. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useState, type FormEvent } from 'react';
import { isValidName } from '../../../../src/contract/names';
import { isApiError } from '../../api/client';
import type { CreatedUser, CreateUserRequest } from '../../api/types';
import { SecretOnce } from '../../components/SecretOnce';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';

/** The shortest password the hub takes (CreateUserRequest's minLength). */
export const MIN_PASSWORD = 8;

export function CreateUserDialog({ open, onClose, onCreate }: { open: boolean; onClose(): void; onCreate(request: CreateUserRequest): Promise<CreatedUser> }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedUser | null>(null);

  const close = () => {
    setUsername('');
    setPassword('');
    setAdmin(false);
    setError(null);
    setCreated(null);
    onClose();
  };
  const nameInvalid = username !== '' && !isValidName(username);
  const passwordShort = password !== '' && password.length < MIN_PASSWORD;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!isValidName(username) || passwordShort) return;
    setPending(true);
    setError(null);
    try {
      setCreated(await onCreate({ username, ...(password ? { password } : {}), ...(admin ? { admin } : {}) }));
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="xs" aria-labelledby="create-user-title">
      <DialogTitle id="create-user-title">{t.admin.createUser}</DialogTitle>
      {created ? (
        <>
          <DialogContent>
            {created.password ? (
              <SecretOnce message={t.admin.passwordShownOnce(created.username)} secret={created.password} label={t.admin.password} />
            ) : (
              <Alert severity="success">{t.admin.userCreated(created.username)}</Alert>
            )}
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
            <Stack spacing={2} sx={{ pt: 1 }}>
              <TextField
                label={t.admin.username}
                value={username}
                onChange={(e) => setUsername(e.target.value.toLowerCase())}
                required
                autoFocus
                error={nameInvalid || isApiError(error, 'USER_EXISTS')}
                helperText={nameInvalid ? t.launch.nameInvalid : isApiError(error, 'USER_EXISTS') ? t.admin.userExists : ' '}
                slotProps={{ htmlInput: { maxLength: 32, autoCapitalize: 'none', spellCheck: false } }}
              />
              <TextField
                label={t.admin.passwordOptional}
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                error={passwordShort}
                helperText={t.admin.passwordHelp}
              />
              <FormControlLabel control={<Checkbox checked={admin} onChange={(e) => setAdmin(e.target.checked)} />} label={t.admin.makeAdminOnCreate} />
              {error !== null && !isApiError(error, 'USER_EXISTS') && <Alert severity="error">{errorMessage(error, t)}</Alert>}
            </Stack>
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>{t.common.cancel}</Button>
            <Button type="submit" variant="contained" disabled={pending || !isValidName(username) || passwordShort}>
              {t.admin.createUser}
            </Button>
          </DialogActions>
        </Box>
      )}
    </Dialog>
  );
}
