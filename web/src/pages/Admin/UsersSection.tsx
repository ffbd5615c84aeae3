/** Users for admins: create, make or remove admin, disable or enable, reset a password, set a home quota, end their sessions. */
import PersonAddIcon from '@mui/icons-material/PersonAdd';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Stack from '@mui/material/Stack';
import TableCell from '@mui/material/TableCell';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { isValidName } from '../../../../src/contract/names';
import { isApiError } from '../../api/client';
import type { CreatedUser, CreateUserRequest, UpdateUserRequest, User } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { HomeUsage } from '../../components/HomeUsage';
import { RelativeTime } from '../../components/RelativeTime';
import { OneLineName } from '../../components/OneLineName';
import { SecretOnce } from '../../components/SecretOnce';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { useSubmit } from '../../utils/useSubmit';
import { generatePassword } from './password';
import { QuotaDialog } from './QuotaDialog';

const MIN_PASSWORD = 8;

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

function CreateUserDialog({ open, onClose, onCreate }: { open: boolean; onClose(): void; onCreate: UsersSectionProps['onCreate'] }) {
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

function ResetPasswordDialog({ user, onClose, onUpdate }: { user: User | null; onClose(): void; onUpdate: UsersSectionProps['onUpdate'] }) {
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
