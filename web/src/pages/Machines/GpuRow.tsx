/**
 * One GPU of a machine: its index and model, who holds it (several sandboxes where the machine
 * shares GPUs), its utilisation as a bar, and memory, temperature and power in words. Memoised:
 * the query cache keeps an unchanged GPU's object, so a poll that did not change it skips it.
 */
import { Fragment, memo } from 'react';
import type { MachineGpu } from '../../api/types';
import { OneLineName } from '../../components/OneLineName';
import { useI18n } from '../../i18n/I18nProvider';
import { formatGiBDown } from '../../utils/format';
import { ThinBar } from './Meter';

export const GpuRow = memo(function GpuRow({ gpu }: { gpu: MachineGpu }) {
  const { t, locale } = useI18n();
  const memory =
    gpu.memoryUsedBytes === null
      ? formatGiBDown(gpu.memoryTotalBytes, locale)
      : t.machines.used(formatGiBDown(gpu.memoryUsedBytes, locale), formatGiBDown(gpu.memoryTotalBytes, locale));
  const utilisation = gpu.utilizationPercent === null ? t.machines.unknown : `${Math.round(gpu.utilizationPercent)}%`;
  const title = t.machines.gpu(gpu.index, gpu.name);
  const held = gpu.holders.length > 0;
  return (
    <li className="gpu">
      <div className="gpu-head">
        <span className="gpu-name">{title}</span>
        <span className={held ? 'gpu-holders' : 'gpu-free'}>
          {held
            ? gpu.holders.map((h, i) => (
                <Fragment key={`${h.user}/${h.name}`}>
                  {i > 0 && t.machineCard.holdersSeparator}
                  <OneLineName name={`${h.user}/${h.name}`} />
                </Fragment>
              ))
            : t.machines.free}
        </span>
      </div>
      <ThinBar label={`${title} ${t.machines.utilisation}`} percent={gpu.utilizationPercent} valueText={utilisation} />
      <span className="gpu-figures">
        {t.machines.utilisation} {utilisation} · {t.machines.gpuMemory} {memory}
        {gpu.temperatureC !== null && ` · ${t.machines.temperature(Math.round(gpu.temperatureC))}`}
        {gpu.powerDrawW !== null && ` · ${t.machineCard.power(Math.round(gpu.powerDrawW))}`}
      </span>
    </li>
  );
});
