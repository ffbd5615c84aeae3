/**
 * My sandboxes with Open, Save environment (a running one), Stop (after a confirmation) and
 * Launch again; an ended one says why it ended (with its last log lines when its container ended
 * on its own), a relaunch that was refused says why on its own row, and each says when it started
 * or ended.
 */
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Sandbox } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { RelativeTime } from '../../components/RelativeTime';
import { SandboxMemory } from '../../components/SandboxMemory';
import { OneLineName } from '../../components/OneLineName';
import { StateChip } from '../../components/StateChip';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { describeResources } from '../../utils/resources';
import { LogTail } from './LogTail';
import { canOpen, canRelaunch, canSave, canStop, isLive } from './sandboxList';

/** Columns that give way on a phone: the name, state and actions matter most. */
const wide = { display: { xs: 'none', md: 'table-cell' } } as const;

export interface SandboxTableProps {
  sandboxes: Sandbox[];
  /** Sandboxes with a stop or relaunch on the way: their buttons wait. */
  busyIds: ReadonlySet<string>;
  onStop(sandbox: Sandbox): void;
  onRelaunch(sandbox: Sandbox): void;
  /** Why the last relaunch of a sandbox (by id) was refused, until it is relaunched again. */
  relaunchErrors: ReadonlyMap<string, unknown>;
  /** Opens the dialog that saves a running sandbox as an environment; without it, no Save button. */
  onSave?(sandbox: Sandbox): void;
  /** Sandboxes being saved: their Save button waits. */
  savingIds?: ReadonlySet<string>;
}

/** When it started, or for one that ended, when it stopped or failed; nothing before it starts. */
function When({ sandbox: s }: { sandbox: Sandbox }) {
  const { t } = useI18n();
  if (s.state === 'stopped' || s.state === 'failed') {
    if (!s.stoppedAt) return null;
    return <RelativeTime at={s.stoppedAt} phrase={s.state === 'stopped' ? t.home.stoppedWhen : t.home.failedWhen} />;
  }
  return s.startedAt ? <RelativeTime at={s.startedAt} phrase={t.home.startedWhen} /> : <>{t.home.notYet}</>;
}

export function SandboxTable({ sandboxes, busyIds, onStop, onRelaunch, relaunchErrors, onSave, savingIds }: SandboxTableProps) {
  const { t, locale } = useI18n();
  const [confirming, setConfirming] = useState<Sandbox | null>(null);

  return (
    <>
      <DataTable
        rows={sandboxes}
        label={t.home.title}
        columns={[
          { label: t.home.name },
          { label: t.home.state },
          { label: t.home.image, sx: wide },
          { label: t.home.machine, sx: wide },
          { label: t.home.resources, sx: wide },
          { label: t.home.when, sx: wide },
          { label: t.home.lastActivity, sx: wide },
          { label: t.home.actions, align: 'right' },
        ]}
        renderRow={(s) => {
          const relaunchError = relaunchErrors.get(s.id);
          return (
            <TableRow key={s.id} hover>
              <TableCell component="th" scope="row">
                <Typography variant="body2" sx={{ fontWeight: 600 }}>
                  <OneLineName name={s.name} />
                </Typography>
                {s.reason && (s.state === 'failed' || s.state === 'stopped') && (
                  <Typography variant="caption" color="text.secondary" sx={{ display: 'block', maxWidth: 280 }}>
                    {s.reason.split('\n')[0]}
                  </Typography>
                )}
                {s.logTail && (s.state === 'failed' || s.state === 'stopped') && <LogTail name={s.name} text={s.logTail} />}
                {s.oomKills && isLive(s) && (
                  <Typography variant="caption" color="warning.main" sx={{ display: 'block', maxWidth: 280 }}>
                    {t.home.oomKills(s.memoryGiB, s.oomKills.count)} · <RelativeTime at={s.oomKills.lastAt} />
                  </Typography>
                )}
                {relaunchError !== undefined && (
                  <Typography variant="caption" color="error" role="alert" sx={{ display: 'block', maxWidth: 280 }}>
                    {t.home.relaunchFailed(errorMessage(relaunchError, t))}
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                <StateChip state={s.state} />
              </TableCell>
              <TableCell sx={wide}>{s.image}</TableCell>
              <TableCell sx={wide}>{s.machine}</TableCell>
              <TableCell sx={{ ...wide, whiteSpace: 'nowrap' }}>
                {describeResources(t, locale, { cpus: s.cpus, memoryGiB: s.memoryGiB, gpus: s.gpus.length })}
                <SandboxMemory sandbox={s} />
              </TableCell>
              <TableCell sx={{ ...wide, whiteSpace: 'nowrap' }}>
                <When sandbox={s} />
              </TableCell>
              <TableCell sx={wide}>{s.lastActivityAt ? <RelativeTime at={s.lastActivityAt} /> : t.common.none}</TableCell>
              <TableCell align="right">
                <Box sx={{ display: 'inline-flex', gap: 1, flexWrap: 'wrap', justifyContent: 'flex-end' }}>
                  {canOpen(s) && (
                    <Button
                      size="small"
                      variant="contained"
                      href={s.url}
                      target="_blank"
                      rel="noopener noreferrer"
                      endIcon={<OpenInNewIcon fontSize="small" />}
                      aria-label={t.home.openLabel(s.name)}
                    >
                      {t.home.open}
                    </Button>
                  )}
                  {onSave && canSave(s) && (
                    <Button size="small" variant="outlined" disabled={savingIds?.has(s.id)} aria-label={t.home.saveLabel(s.name)} onClick={() => onSave(s)}>
                      {t.home.save}
                    </Button>
                  )}
                  {canStop(s) && (
                    <Button size="small" color="error" variant="outlined" disabled={busyIds.has(s.id)} aria-label={t.home.stopLabel(s.name)} onClick={() => setConfirming(s)}>
                      {t.home.stop}
                    </Button>
                  )}
                  {canRelaunch(s) && (
                    <Button size="small" variant="outlined" disabled={busyIds.has(s.id)} aria-label={t.home.relaunchLabel(s.name)} onClick={() => onRelaunch(s)}>
                      {t.home.relaunch}
                    </Button>
                  )}
                </Box>
              </TableCell>
            </TableRow>
          );
        }}
      />
      <ConfirmDialog
        open={confirming !== null}
        title={t.home.stopTitle(confirming?.name ?? '')}
        body={t.home.stopBody}
        confirmLabel={t.home.stop}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (confirming) onStop(confirming);
          setConfirming(null);
        }}
      />
    </>
  );
}
