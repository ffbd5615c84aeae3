/** Sign out everywhere: ends every session of mine, in every browser; API tokens stay. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorState } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';

export interface SessionsSectionProps {
  onSignOutEverywhere(): Promise<unknown>;
}

export function SessionsSection({ onSignOutEverywhere }: SessionsSectionProps) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const signOut = async () => {
    setConfirming(false);
    setError(null);
    try {
      await onSignOutEverywhere();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Box component="section" aria-labelledby="sessions-title">
      <Typography variant="h2" id="sessions-title">
        {t.settings.sessions}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t.settings.sessionsHelp}
      </Typography>
      {error !== null && (
        <Box sx={{ mb: 2 }}>
          <ErrorState error={error} />
        </Box>
      )}
      <Button variant="outlined" color="error" onClick={() => setConfirming(true)}>
        {t.settings.signOutEverywhere}
      </Button>
      <ConfirmDialog
        open={confirming}
        title={t.settings.signOutEverywhereTitle}
        body={t.settings.sessionsHelp}
        confirmLabel={t.settings.signOutEverywhere}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void signOut()}
      />
    </Box>
  );
}
