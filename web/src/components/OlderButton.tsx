/** Under a log shown newest first (audit, events): asks for the page before the last entry, while the hub says there is one. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { useI18n } from '../i18n/I18nProvider';

export interface OlderButtonProps {
  /** Whether the hub has older entries than those shown; nothing is drawn otherwise. */
  hasOlder: boolean;
  /** True while that page loads: a second click must not ask for it again. */
  loadingOlder: boolean;
  onOlder(): void;
}

export function OlderButton({ hasOlder, loadingOlder, onOlder }: OlderButtonProps) {
  const { t } = useI18n();
  if (!hasOlder) return null;
  return (
    <Box sx={{ mt: 2, textAlign: 'center' }}>
      <Button variant="outlined" onClick={onOlder} disabled={loadingOlder}>
        {t.admin.older}
      </Button>
    </Box>
  );
}
