/** A path the dashboard does not know. */
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import { useI18n } from '../../i18n/I18nProvider';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <>
      <Typography variant="h1" sx={{ mb: 1 }}>
        {t.notFound.title}
      </Typography>
      <Typography sx={{ mb: 2 }}>{t.notFound.body}</Typography>
      <Button component={RouterLink} to="/" variant="contained">
        {t.notFound.home}
      </Button>
    </>
  );
}
