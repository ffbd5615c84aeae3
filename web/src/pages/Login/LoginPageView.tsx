/**
 * Sign in with a local account, or with each other way the hub offers ("Sign in with …",
 * company sign-in). Where local sign-in is turned off, only the other ways are shown.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Divider from '@mui/material/Divider';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { LanguageMenu, ThemeMenu } from '../../components/PreferencesMenu';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';

export interface SignInProvider {
  id: string;
  name: string;
  href: string;
}

export interface LoginPageViewProps {
  /** Whether local accounts may sign in here. */
  local: boolean;
  pending: boolean;
  error: unknown;
  providers: SignInProvider[];
  onSignIn(username: string, password: string): void;
}

export function LoginPageView({ local, pending, error, providers, onSignIn }: LoginPageViewProps) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (username.trim() && password) onSignIn(username.trim(), password);
  };
  const missingUsername = submitted && !username.trim();
  const missingPassword = submitted && !password;
  const wrong = isApiError(error, 'INVALID_CREDENTIALS');

  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', flexDirection: 'column', bgcolor: 'background.default', color: 'text.primary' }}>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', p: 1 }}>
        <LanguageMenu />
        <ThemeMenu />
      </Box>
      <Box component="main" sx={{ flex: 1, display: 'grid', placeItems: 'center', px: 2, pb: 6 }}>
        <Card sx={{ width: '100%', maxWidth: 400 }}>
          <CardContent sx={{ p: { xs: 3, sm: 4 } }}>
            <Typography variant="h4" component="p" sx={{ fontWeight: 700, color: 'primary.main' }}>
              {t.app.name}
            </Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 3 }}>
              {t.app.tagline}
            </Typography>
            <Typography variant="h1" sx={{ mb: 2 }}>
              {t.login.title}
            </Typography>
            {local && (
              <Stack component="form" spacing={2} onSubmit={submit} noValidate>
                <TextField
                  label={t.login.username}
                  name="username"
                  autoComplete="username"
                  autoCapitalize="none"
                  spellCheck={false}
                  required
                  autoFocus
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                  error={wrong || missingUsername}
                  helperText={missingUsername ? t.login.required : undefined}
                />
                <TextField
                  label={t.login.password}
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  error={wrong || missingPassword}
                  helperText={missingPassword ? t.login.required : undefined}
                />
                {error !== null && error !== undefined && (
                  <Alert severity="error" role="alert">
                    {wrong ? t.login.wrongCredentials : errorMessage(error, t)}
                  </Alert>
                )}
                <Button type="submit" variant="contained" size="large" disabled={pending}>
                  {pending ? t.login.submitting : t.login.submit}
                </Button>
              </Stack>
            )}
            <Box>
              {providers.length > 0 && (
                <>
                  {local && <Divider sx={{ my: 2 }}>{t.login.or}</Divider>}
                  <Stack spacing={1}>
                    {providers.map((p) => (
                      <Button key={p.id} variant={local ? 'outlined' : 'contained'} size="large" href={p.href}>
                        {t.login.withProvider(p.name)}
                      </Button>
                    ))}
                  </Stack>
                </>
              )}
            </Box>
          </CardContent>
        </Card>
      </Box>
    </Box>
  );
}
