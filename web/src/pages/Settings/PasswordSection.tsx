/** Change my password: the current one, then the new one twice. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import type { ChangePasswordRequest } from '../../api/types';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';

const MIN_PASSWORD = 8;

export interface PasswordSectionProps {
  onChange(request: ChangePasswordRequest): Promise<unknown>;
}

export function PasswordSection({ onChange }: PasswordSectionProps) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);
  const [submitted, setSubmitted] = useState(false);

  const missingCurrent = submitted && !current;
  const tooShort = (submitted || next !== '') && next.length < MIN_PASSWORD;
  const mismatch = (submitted || again !== '') && again !== next;
  const wrongCurrent = isApiError(error, 'INVALID_CREDENTIALS');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!current || next.length < MIN_PASSWORD || next !== again) return;
    setPending(true);
    setError(null);
    setChanged(false);
    try {
      await onChange({ currentPassword: current, newPassword: next });
      setChanged(true);
      setSubmitted(false);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <Box component="section" aria-labelledby="password-title">
      <Typography variant="h2" id="password-title" sx={{ mb: 2 }}>
        {t.settings.password}
      </Typography>
      <Stack component="form" spacing={2} onSubmit={submit} noValidate sx={{ maxWidth: 420 }}>
        {/* Lets password managers tie the new password to this account. */}
        <input type="text" name="username" autoComplete="username" hidden readOnly />
        <TextField
          label={t.settings.currentPassword}
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          required
          error={wrongCurrent || missingCurrent}
          helperText={wrongCurrent ? t.settings.wrongCurrent : missingCurrent ? t.login.required : ' '}
        />
        <TextField
          label={t.settings.newPassword}
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
          error={tooShort}
          helperText={t.settings.tooShort}
        />
        <TextField
          label={t.settings.confirmPassword}
          type="password"
          autoComplete="new-password"
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          required
          error={mismatch}
          helperText={mismatch ? t.settings.mismatch : ' '}
        />
        {error !== null && !wrongCurrent && <Alert severity="error">{errorMessage(error, t)}</Alert>}
        {changed && (
          <Alert severity="success" role="status">
            {t.settings.passwordChanged}
          </Alert>
        )}
        <Box>
          <Button type="submit" variant="contained" disabled={pending}>
            {t.settings.changePassword}
          </Button>
        </Box>
      </Stack>
    </Box>
  );
}
