/**
 * A machine card's figures in words: its bars (measured use against the whole machine, with what
 * sandboxes were given against what they may have in all), its room for a launch, and its network
 * and hottest sensor. Pure, so the card only lays them out.
 */
import type { Machine } from '../../api/types';
import type { Messages } from '../../i18n/en';
import { formatBytes, formatGiBDown, formatNumber, formatRate, GiB, percentOf, roundTo } from '../../utils/format';
import { describeResources } from '../../utils/resources';

export interface Bar {
  label: string;
  /** 0–100 of the whole machine. */
  percent: number;
  detail: string;
  /** What sandboxes were given, drawn under the measured use, when the bar shows measured use. */
  allocatedPercent?: number;
  allocatedDetail?: string;
}

/** The bars of a machine: measured use where the hub has it, allocation where it does not. */
export function machineBars(machine: Machine, t: Messages, locale: string): Bar[] {
  const { usage, allocated, capacity } = machine;
  const cpuAllocated = t.machines.cpuAllocated(formatNumber(allocated.cpus, locale), roundTo(capacity.cpus, 1), formatNumber(capacity.cpus, locale));
  const memoryAllocated = t.machines.allocated(formatGiBDown(allocated.memoryBytes, locale), formatGiBDown(capacity.memoryBytes, locale));
  if (usage) {
    return [
      {
        label: t.machines.cpu,
        percent: usage.cpuPercent,
        detail: t.machines.cpuUse(formatNumber(usage.cpuPercent, locale, 0), roundTo(machine.cpus, 1), formatNumber(machine.cpus, locale)),
        allocatedPercent: percentOf(allocated.cpus, machine.cpus),
        allocatedDetail: cpuAllocated,
      },
      {
        label: t.machines.memory,
        percent: percentOf(usage.memoryUsedBytes, machine.memoryBytes),
        detail: t.machines.used(formatGiBDown(usage.memoryUsedBytes, locale), formatGiBDown(machine.memoryBytes, locale)),
        allocatedPercent: percentOf(allocated.memoryBytes, machine.memoryBytes),
        allocatedDetail: memoryAllocated,
      },
      {
        label: t.machines.disk,
        percent: percentOf(usage.diskUsedBytes, usage.diskTotalBytes),
        detail: t.machines.used(formatBytes(usage.diskUsedBytes, locale), formatBytes(usage.diskTotalBytes, locale)),
      },
    ];
  }
  return [
    { label: t.machines.cpu, percent: percentOf(allocated.cpus, capacity.cpus), detail: cpuAllocated },
    { label: t.machines.memory, percent: percentOf(allocated.memoryBytes, capacity.memoryBytes), detail: memoryAllocated },
  ];
}

/**
 * "Free to reserve: 24 CPUs · 224 GiB · 1 GPU", as the hub's scheduler counts it: CPUs are
 * requests, so the words say so (a 2-CPU sandbox reserves only its request, 0.5 by default).
 */
export function roomLine(machine: Machine, t: Messages, locale: string): string {
  const { free } = machine;
  if (free.cpus <= 0 || free.memoryBytes <= 0) return t.machineCard.noRoom;
  // Rounded down, as the launch form does: room is never shown larger than it is.
  return t.machineCard.room(describeResources(t, locale, { cpus: free.cpus, memoryGiB: Math.floor((free.memoryBytes / GiB) * 10 + 1e-9) / 10, gpus: free.gpus }));
}

/** Network rates and the hottest sensor, where the hub reads them; null when it reads neither. */
export function readingsLine(machine: Machine, t: Messages, locale: string): string | null {
  const { usage } = machine;
  if (!usage) return null;
  const parts: string[] = [];
  const { networkReceiveBytesPerSecond: received, networkTransmitBytesPerSecond: sent } = usage;
  const rate = (bytes: number | null) => (bytes === null ? t.machines.unknown : formatRate(bytes, locale));
  if (received !== null || sent !== null) parts.push(t.machineCard.network(rate(received), rate(sent)));
  const hottest = usage.temperaturesC.reduce<(typeof usage.temperaturesC)[number] | null>((max, s) => (max === null || s.celsius > max.celsius ? s : max), null);
  if (hottest) parts.push(t.machineCard.hottest(Math.round(hottest.celsius), hottest.sensor));
  return parts.length > 0 ? parts.join(' · ') : null;
}
