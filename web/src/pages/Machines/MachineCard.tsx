/**
 * One machine: its CPU, memory and disk as bars with figures (measured use when the hub reads
 * it, otherwise what its sandboxes were given), each GPU, and who is on it since when.
 * Memoised: a poll that changed nothing on this machine leaves it as it was. Styled by MachineGrid.
 */
import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';
import { memo } from 'react';
import type { Machine, MachineGpu } from '../../api/types';
import { useNow } from '../../components/now';
import type { Messages } from '../../i18n/en';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes, formatDateTime, formatNumber, formatRelative, percentOf } from '../../utils/format';
import { describeResources } from '../../utils/resources';
import { Meter, ThinBar } from './Meter';

interface Bar {
  label: string;
  percent: number;
  detail: string;
}

/** The bars of a machine: measured use where the hub has it, allocation where it does not. */
export function machineBars(machine: Machine, t: Messages, locale: string): Bar[] {
  const { usage } = machine;
  const { cpus: allocatedCpus, memoryBytes: allocatedBytes } = machine.allocated;
  const cpus = formatNumber(machine.cpus, locale);
  const memory = formatBytes(machine.memoryBytes, locale);
  if (usage) {
    return [
      { label: t.machines.cpu, percent: usage.cpuPercent, detail: t.machines.cpuUse(formatNumber(usage.cpuPercent, locale, 0), cpus) },
      {
        label: t.machines.memory,
        percent: percentOf(usage.memoryUsedBytes, machine.memoryBytes),
        detail: t.machines.used(formatBytes(usage.memoryUsedBytes, locale), memory),
      },
      {
        label: t.machines.disk,
        percent: percentOf(usage.diskUsedBytes, usage.diskTotalBytes),
        detail: t.machines.used(formatBytes(usage.diskUsedBytes, locale), formatBytes(usage.diskTotalBytes, locale)),
      },
    ];
  }
  return [
    { label: t.machines.cpu, percent: percentOf(allocatedCpus, machine.cpus), detail: t.machines.cpuAllocated(formatNumber(allocatedCpus, locale), cpus) },
    {
      label: t.machines.memory,
      percent: percentOf(allocatedBytes, machine.memoryBytes),
      detail: t.machines.allocated(formatBytes(allocatedBytes, locale), memory),
    },
  ];
}

const GpuRow = memo(function GpuRow({ gpu }: { gpu: MachineGpu }) {
  const { t, locale } = useI18n();
  const memory =
    gpu.memoryUsedBytes === null
      ? formatBytes(gpu.memoryTotalBytes, locale)
      : t.machines.used(formatBytes(gpu.memoryUsedBytes, locale), formatBytes(gpu.memoryTotalBytes, locale));
  const utilisation = gpu.utilizationPercent === null ? t.machines.unknown : `${Math.round(gpu.utilizationPercent)}%`;
  const title = t.machines.gpu(gpu.index, gpu.name);
  return (
    <li className="gpu">
      <div className="gpu-head">
        <span className="gpu-name">{title}</span>
        <span className={gpu.user ? undefined : 'gpu-free'}>{gpu.user ?? t.machines.free}</span>
      </div>
      <ThinBar label={`${title} ${t.machines.utilisation}`} percent={gpu.utilizationPercent} valueText={utilisation} />
      <span className="gpu-figures">
        {t.machines.utilisation} {utilisation} · {t.machines.gpuMemory} {memory}
        {gpu.temperatureC !== null && ` · ${t.machines.temperature(Math.round(gpu.temperatureC))}`}
      </span>
    </li>
  );
});

export const MachineCard = memo(function MachineCard({ machine }: { machine: Machine }) {
  const { t, locale } = useI18n();
  const now = useNow();
  const up = machine.status === 'up';
  const { gpus } = machine;
  const headingId = `machine-${machine.name}`;

  return (
    <article aria-labelledby={headingId} className={up ? 'machine' : 'machine machine-down'}>
        <div className="machine-head">
          <h2 className="machine-name" id={headingId}>
            {machine.name}
          </h2>
          <span className={up ? 'machine-status up' : 'machine-status down'}>{up ? t.machines.up : t.machines.down}</span>
        </div>
        {machine.engine && (
          <p className="machine-engine">
            Docker {machine.engine.version} · {machine.engine.os}
          </p>
        )}

        {!up && (
          <Alert severity="error" sx={{ mb: 1.5 }}>
            {machine.lastSeenAt ? (
              <span title={formatDateTime(machine.lastSeenAt, locale)}>{t.machines.lastSeen(formatRelative(machine.lastSeenAt, now, locale))}</span>
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

        {up && machineBars(machine, t, locale).map((bar) => <Meter key={bar.label} {...bar} />)}

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
        <h3 className="machine-section">{t.machines.sandboxes(machine.sandboxes.length)}</h3>
        {machine.sandboxes.length === 0 ? (
          <p className="machine-empty">{t.machines.noSandboxes}</p>
        ) : (
          <ul className="machine-list">
            {machine.sandboxes.map((s) => (
              <li className="machine-sandbox" key={s.id}>
                <span className="machine-sandbox-name">
                  {s.user}/{s.name}
                </span>
                <span className="secondary">
                  {describeResources(t, locale, s)} · <span title={formatDateTime(s.since, locale)}>{t.machines.since(formatRelative(s.since, now, locale))}</span>
                </span>
              </li>
            ))}
          </ul>
        )}
    </article>
  );
});
