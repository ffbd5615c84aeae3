/** Usage fixtures for the dashboard's tests: two users over the 30 days ending at MOCK_NOW. */
import type { UsageReport } from '../api/types';
import { MOCK_NOW } from './mocks';

/** alice ran on two days (one GPU sandbox over midnight), carol on one; figures as the hub rounds them. */
export const MockUsageReport: UsageReport = {
  from: '2026-02-01',
  to: '2026-03-02',
  at: new Date(MOCK_NOW).toISOString(),
  days: [
    { user: 'alice', day: '2026-02-27', sandboxes: 1, sandboxHours: 2, cpuHours: 8, gpuHours: 2, memoryGiBHours: 32 },
    { user: 'alice', day: '2026-02-28', sandboxes: 2, sandboxHours: 5.5, cpuHours: 13.25, gpuHours: 4, memoryGiBHours: 70 },
    { user: 'carol', day: '2026-03-01', sandboxes: 1, sandboxHours: 24, cpuHours: 48, gpuHours: 96, memoryGiBHours: 768 },
  ],
  users: [
    { user: 'alice', sandboxes: 2, sandboxHours: 7.5, cpuHours: 21.25, gpuHours: 6, memoryGiBHours: 102 },
    { user: 'carol', sandboxes: 1, sandboxHours: 24, cpuHours: 48, gpuHours: 96, memoryGiBHours: 768 },
  ],
  total: { sandboxes: 3, sandboxHours: 31.5, cpuHours: 69.25, gpuHours: 102, memoryGiBHours: 870 },
};

export const MockEmptyUsageReport: UsageReport = { ...MockUsageReport, days: [], users: [], total: { sandboxes: 0, sandboxHours: 0, cpuHours: 0, gpuHours: 0, memoryGiBHours: 0 } };
