/** Admin: users, every sandbox, the images and their pulls, what happened lately, usage, and the audit log. Only admins get here. */
import Alert from '@mui/material/Alert';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import type { HomesStorage, User } from '../../api/types';
import { HomesStorageView } from '../../components/HomesStorage';
import { useI18n } from '../../i18n/I18nProvider';
import { AuditSection, type AuditSectionProps } from './AuditSection';
import { EventsSection, type EventsSectionProps } from './EventsSection';
import { ImagesSection, type ImagesSectionProps } from './ImagesSection';
import { SandboxesSection, type SandboxesSectionProps } from './SandboxesSection';
import { UsageSection, type UsageSectionProps } from './UsageSection';
import { UsersSection, type UsersSectionProps } from './UsersSection';

export interface AdminPageViewProps {
  me: User;
  users: Omit<UsersSectionProps, 'me'>;
  sandboxes: SandboxesSectionProps;
  images: ImagesSectionProps;
  events: EventsSectionProps;
  audit: AuditSectionProps;
  usage: UsageSectionProps;
  /** The homes filesystem with the admins' detail, once read: its alert tops the page. */
  homes?: HomesStorage | undefined;
}

export function AdminPageView({ me, users, sandboxes, images, events, audit, usage, homes }: AdminPageViewProps) {
  const { t } = useI18n();
  return (
    <>
      <Typography variant="h1" sx={{ mb: 2 }}>
        {t.admin.title}
      </Typography>
      {homes && (
        <Card sx={{ mb: 3 }}>
          <CardContent>
            <HomesStorageView homes={homes} />
          </CardContent>
        </Card>
      )}
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <UsersSection me={me} {...users} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <SandboxesSection {...sandboxes} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <ImagesSection {...images} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <EventsSection {...events} />
        </CardContent>
      </Card>
      <Card sx={{ mb: 3 }}>
        <CardContent>
          <UsageSection {...usage} />
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          <AuditSection {...audit} />
        </CardContent>
      </Card>
    </>
  );
}

export function AdminForbiddenView() {
  const { t } = useI18n();
  return (
    <>
      <Typography variant="h1" sx={{ mb: 3 }}>
        {t.admin.title}
      </Typography>
      <Alert severity="warning">{t.admin.forbidden}</Alert>
    </>
  );
}
