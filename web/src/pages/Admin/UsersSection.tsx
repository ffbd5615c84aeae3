/** Users for admins: create, make or remove admin, disable or enable, reset a password, set a home quota, end their sessions. */
import PersonAddIcon from '@mui/icons-material/PersonAdd';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import TableCell from '@mui/material/TableCell';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { CreatedUser, CreateUserRequest, UpdateUserRequest, User } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { HomeUsage } from '../../components/HomeUsage';
import { RelativeTime } from '../../components/RelativeTime';
import { OneLineName } from '../../components/OneLineName';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { QuotaDialog } from './QuotaDialog';
import { CreateUserDialog } from './CreateUserDialog';
import { ResetPasswordDialog } from './ResetPasswordDialog';

export interface UsersSectionProps {
  me: User;
  /** The page shown: the hub searches and pages (GET /api/users); the browser never holds more. */
  users: User[] | undefined;
  /** Users that match the search, across every page. */
  total: number | undefined;
  error: unknown;
  onRetry(): void;
  search: string;
  onSearch(text: string): void;
  /** The page shown, 0 for the first, of `pageSize` rows. */
  page: number;
  pageSize: number;
  /** True while the page asked for loads (the one before stays on screen). */
  pageLoading: boolean;
  onPage(page: number): void;
  onCreate(request: CreateUserRequest): Promise<CreatedUser>;
  onUpdate(user: User, changes: UpdateUserRequest): Promise<unknown>;
  onEndSessions(user: User): Promise<unknown>;
}

export function UsersSection({ me, users, total, error, onRetry, search, onSearch, page, pageSize, pageLoading, onPage, onCreate, onUpdate, onEndSessions }: UsersSectionProps) {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [settingQuota, setSettingQuota] = useState<User | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [updateError, setUpdateError] = useState<unknown>(null);
  const [endingSessions, setEndingSessions] = useState<User | null>(null);
  const [sessionsEnded, setSessionsEnded] = useState<string | null>(null);

  const update = async (user: User, changes: UpdateUserRequest) => {
    setBusy(user.id);
    setUpdateError(null);
    try {
      await onUpdate(user, changes);
    } catch (err) {
      setUpdateError(err);
    } finally {
      setBusy(null);
    }
  };
  const endSessions = async (user: User) => {
    setEndingSessions(null);
    setBusy(user.id);
    setUpdateError(null);
    setSessionsEnded(null);
    try {
      await onEndSessions(user);
      setSessionsEnded(user.username);
    } catch (err) {
      setUpdateError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Box component="section" aria-labelledby="users-title">
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', mb: 1, gap: 1 }}>
        <Typography variant="h2" id="users-title">
          {t.admin.users}
        </Typography>
        <Button variant="contained" startIcon={<PersonAddIcon />} onClick={() => setCreating(true)}>
          {t.admin.createUser}
        </Button>
      </Box>
      {updateError !== null && (
        <Alert severity="error" sx={{ mb: 1 }} onClose={() => setUpdateError(null)}>
          {errorMessage(updateError, t)}
        </Alert>
      )}
      {sessionsEnded !== null && (
        <Alert severity="success" sx={{ mb: 1 }} onClose={() => setSessionsEnded(null)}>
          {t.admin.sessionsEnded(sessionsEnded)}
        </Alert>
      )}
      <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', justifyContent: 'space-between', gap: 1 }}>
        <TextField
          type="search"
          size="small"
          label={t.admin.searchUsers}
          helperText={t.admin.searchUsersHelp}
          value={search}
          onChange={(e) => onSearch(e.target.value)}
          sx={{ mb: 1, width: { xs: '100%', sm: 360 } }}
          slotProps={{ htmlInput: { maxLength: 128, autoCapitalize: 'none', spellCheck: false } }}
        />
        {total !== undefined && total > 0 && (
          <TablePagination
            component="div"
            count={total}
            page={page}
            rowsPerPage={pageSize}
            rowsPerPageOptions={[]}
            onPageChange={(_event, next) => onPage(next)}
            labelDisplayedRows={({ from, to, count }) => t.admin.usersShown(from, to, count)}
            getItemAriaLabel={(which) => (which === 'next' ? t.common.nextPage : t.common.previousPage)}
            slotProps={{ actions: { nextButton: { disabled: pageLoading || (page + 1) * pageSize >= total }, previousButton: { disabled: pageLoading || page === 0 } } }}
          />
        )}
      </Box>
      <DataTable
        rows={users}
        error={error}
        onRetry={onRetry}
        empty={search.trim() ? t.admin.noUsersMatch(search.trim()) : t.common.none}
        labelledBy="users-title"
        columns={[
          { label: t.admin.username },
          { label: t.admin.email, sx: { display: { xs: 'none', lg: 'table-cell' } } },
          { label: t.admin.role, sx: { whiteSpace: 'nowrap' } },
          { label: t.admin.status },
          { label: t.admin.home },
          { label: t.admin.created, sx: { display: { xs: 'none', md: 'table-cell' }, whiteSpace: 'nowrap' } },
          { label: t.home.actions, align: 'right' },
        ]}
        renderRow={(user) => {
          const self = user.id === me.id;
          return (
            <TableRow key={user.id} hover>
              <TableCell component="th" scope="row">
                <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>
                  <OneLineName name={user.username} />
                </Typography>
                {self && <Chip size="small" label={t.common.you} sx={{ ml: 1 }} />}
              </TableCell>
              <TableCell sx={{ display: { xs: 'none', lg: 'table-cell' } }}>{user.email ? <OneLineName name={user.email} maxWidth="20em" /> : '—'}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{user.admin ? t.admin.roleAdmin : t.admin.roleUser}</TableCell>
              <TableCell>
                <Chip size="small" variant="outlined" color={user.disabled ? 'error' : 'success'} label={user.disabled ? t.admin.disabled : t.admin.active} />
              </TableCell>
              <TableCell>
                <HomeUsage user={user} />
              </TableCell>
              <TableCell sx={{ display: { xs: 'none', md: 'table-cell' } }}>
                <RelativeTime at={user.createdAt} />
              </TableCell>
              <TableCell align="right">
                <Box role="group" aria-label={t.admin.actionsFor(user.username)} sx={{ display: 'inline-flex', gap: 1, flexWrap: 'wrap', justifyContent: 'flex-end' }}>
                  <Button size="small" variant="outlined" disabled={self || busy === user.id} onClick={() => void update(user, { admin: !user.admin })}>
                    {user.admin ? t.admin.removeAdmin : t.admin.makeAdmin}
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    color={user.disabled ? 'primary' : 'error'}
                    disabled={self || busy === user.id}
                    onClick={() => void update(user, { disabled: !user.disabled })}
                  >
                    {user.disabled ? t.admin.enable : t.admin.disable}
                  </Button>
                  <Button size="small" variant="outlined" disabled={busy === user.id} onClick={() => setResetting(user)}>
                    {t.admin.resetPassword}
                  </Button>
                  <Button size="small" variant="outlined" disabled={busy === user.id} onClick={() => setSettingQuota(user)}>
                    {t.admin.setQuota}
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    color="error"
                    disabled={busy === user.id}
                    aria-label={t.admin.endSessionsLabel(user.username)}
                    onClick={() => setEndingSessions(user)}
                  >
                    {t.admin.endSessions}
                  </Button>
                </Box>
              </TableCell>
            </TableRow>
          );
        }}
      />
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} onCreate={onCreate} />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} onUpdate={onUpdate} />
      <QuotaDialog user={settingQuota} onClose={() => setSettingQuota(null)} onUpdate={onUpdate} />
      <ConfirmDialog
        open={endingSessions !== null}
        title={t.admin.endSessionsTitle(endingSessions?.username ?? '')}
        body={t.admin.endSessionsBody}
        confirmLabel={t.admin.endSessions}
        onCancel={() => setEndingSessions(null)}
        onConfirm={() => endingSessions && void endSessions(endingSessions)}
      />
    </Box>
  );
}
