/** Settings: my password, my API tokens, my SSH keys and how to connect over SSH, my sessions. */
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import { useI18n } from '../../i18n/I18nProvider';
import { PasswordSection, type PasswordSectionProps } from './PasswordSection';
import { SessionsSection, type SessionsSectionProps } from './SessionsSection';
import { SshConnectSection, type SshConnectSectionProps } from './SshConnectSection';
import { SshKeysSection, type SshKeysSectionProps } from './SshKeysSection';
import { TokensSection, type TokensSectionProps } from './TokensSection';

export interface SettingsPageViewProps {
  password: PasswordSectionProps;
  tokens: TokensSectionProps;
  sshKeys: SshKeysSectionProps;
  sshConnect: SshConnectSectionProps;
  sessions: SessionsSectionProps;
}

export function SettingsPageView({ password, tokens, sshKeys, sshConnect, sessions }: SettingsPageViewProps) {
  const { t } = useI18n();
  return (
    <>
      <Typography variant="h1" sx={{ mb: 2 }}>
        {t.settings.title}
      </Typography>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <PasswordSection {...password} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <TokensSection {...tokens} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <SshKeysSection {...sshKeys} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <SshConnectSection {...sshConnect} />
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          <SessionsSection {...sessions} />
        </CardContent>
      </Card>
    </>
  );
}
