/**
 * One machine: whether it answers (and if not, since when and why), whether it takes launches
 * (not when it does not see the shared homes, with the reason), its CPU, memory and disk as
 * bars (measured use with what sandboxes were given under it, or only the allocation where the hub
 * cannot measure), its room for a launch, network and temperature, its last hour as small charts,
 * each GPU with who holds it, the catalogue images it has, and each sandbox with what it was
 * given and what it uses.
 * Memoised: a poll that changed nothing on this machine, and brought it no sample, leaves it as
 * it was. Styled by MachineGrid.
 */
import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';
import { memo } from 'react';
import type { Machine, MachineSample, MachineSandbox } from '../../api/types';
import { useNow } from '../../components/now';
import type { Messages } from '../../i18n/en';
import { useI18n } from '../../i18n/I18nProvider';
import { formatGiBDown, formatDateTime, formatNumber, formatPast } from '../../utils/format';
import { OneLineName } from '../../components/OneLineName';
import { describeResources } from '../../utils/resources';
import { GpuRow } from './GpuRow';
import { machineBars, readingsLine, roomLine } from './machineFigures';
import { MachineHistory } from './MachineHistory';
import { MachineImages } from './MachineImages';
import { Meter } from './Meter';

/** "CPU 312% · 9.3 GiB in use" from the engine's stats, or null when it has none yet. */
function sandboxUse(s: MachineSandbox, t: Messages, locale: string): string | null {
  const parts: string[] = [];
  if (s.cpuPercent !== null) parts.push(t.machineCard.sandboxCpu(formatNumber(s.cpuPercent, locale, 0)));
  if (s.memoryUsedBytes !== null) parts.push(t.machineCard.sandboxMemory(formatGiBDown(s.memoryUsedBytes, locale)));
  return parts.length > 0 ? parts.join(' · ') : null;
}

export interface MachineCardProps {
  machine: Machine;
  /** Its samples, oldest first (GET /api/machines/history): the charts. */
  history: readonly MachineSample[];
}

export const MachineCard = memo(function MachineCard({ machine, history }: MachineCardProps) {
  const { t, locale } = useI18n();
  const now = useNow();
  const up = machine.status === 'up';
  // Answers, but does not see the shared homes: the hub gives it no launches.
  const notReady = up && machine.homes?.ready === false;
  const { gpus } = machine;
  const headingId = `machine-${machine.name}`;
  const readings = up ? readingsLine(machine, t, locale) : null;

  return (
    <article aria-labelledby={headingId} className={up ? 'machine' : 'machine machine-down'}>
      <div className="machine-head">
        <h2 className="machine-name" id={headingId}>
          {machine.name}
        </h2>
        <span className={up && !notReady ? 'machine-status up' : 'machine-status down'}>{!up ? t.machines.down : notReady ? t.machines.notReady : t.machines.up}</span>
      </div>
      {machine.engine && (
        <p className="machine-engine">
          Docker {machine.engine.version} · {machine.engine.os}
        </p>
      )}

      {!up && (
        <Alert severity="error" sx={{ mb: 1.5 }}>
          {machine.lastSeenAt ? (
            <span title={formatDateTime(machine.lastSeenAt, locale)}>{t.machines.lastSeen(formatPast(machine.lastSeenAt, now, locale))}</span>
          ) : (
            t.machines.neverSeen
          )}
          {machine.error && (
            <Typography variant="caption" component="p" sx={{ mt: 0.5, overflowWrap: 'anywhere' }}>
              {machine.error}
            </Typography>
          )}
        </Alert>
      )}

      {notReady && (
        <Alert severity="warning" sx={{ mb: 1.5, overflowWrap: 'anywhere' }}>
          {t.machines.homesNotReady(machine.homes?.reason ?? '')}
        </Alert>
      )}

      {up && (
        <>
          {machineBars(machine, t, locale).map((bar) => (
            <Meter key={bar.label} {...bar} />
          ))}
          <p className="machine-facts">{roomLine(machine, t, locale)}</p>
          {readings && <p className="machine-facts">{readings}</p>}
          {machine.usageError && <p className="machine-facts machine-warning">{t.machineCard.usageError(machine.usageError)}</p>}
          {machine.gpuError && <p className="machine-facts machine-warning">{t.machineCard.gpuError(machine.gpuError)}</p>}
        </>
      )}

      <MachineHistory history={history} memoryBytes={machine.memoryBytes} hasGpus={gpus.length > 0} />

      {gpus.length > 0 && (
        <>
          <hr className="machine-divider" />
          <h3 className="machine-section">{t.machines.gpus}</h3>
          <ul className="machine-list">
            {gpus.map((gpu) => (
              <GpuRow key={gpu.uuid || gpu.index} gpu={gpu} />
            ))}
          </ul>
        </>
      )}

      <hr className="machine-divider" />
      <MachineImages images={machine.images} />

      <hr className="machine-divider" />
      <h3 className="machine-section">{t.machines.sandboxes(machine.sandboxes.length)}</h3>
      {machine.sandboxes.length === 0 ? (
        <p className="machine-empty">{t.machines.noSandboxes}</p>
      ) : (
        <ul className="machine-list">
          {machine.sandboxes.map((s) => {
            const use = sandboxUse(s, t, locale);
            return (
              <li className="machine-sandbox" key={s.id}>
                <span className="machine-sandbox-name">
                  <OneLineName name={`${s.user}/${s.name}`} />
                  {s.state !== 'running' && <span className={`machine-sandbox-state ${s.state}`}>{t.states[s.state]}</span>}
                </span>
                <span className="secondary">
                  {describeResources(t, locale, { cpus: s.cpus, memoryGiB: s.memoryGiB, gpus: s.gpus.length })} ·{' '}
                  <span title={formatDateTime(s.since, locale)}>{t.machines.since(formatPast(s.since, now, locale))}</span>
                </span>
                {use && <span className="machine-sandbox-use">{use}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </article>
  );
});
