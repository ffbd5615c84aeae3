import { describe, expect, it } from 'vitest';
import { csvField, usageCsv, usageCsvFilename } from './csv.js';

describe('usage CSV', () => {
  it('writes a header and one row per user and day, with four decimals and CRLF line ends', () => {
    const csv = usageCsv({
      from: '2026-03-01',
      to: '2026-03-02',
      at: '2026-03-10T12:00:00.000Z',
      days: [
        { user: 'alice', day: '2026-03-01', sandboxes: 2, sandboxHours: 1.5, cpuHours: 3, gpuHours: 0, memoryGiBHours: 12.25 },
        { user: 'bob', day: '2026-03-02', sandboxes: 1, sandboxHours: 0.0003, cpuHours: 0.0012, gpuHours: 0.0003, memoryGiBHours: 0.0047 },
      ],
      users: [],
      total: { sandboxes: 3, sandboxHours: 1.5003, cpuHours: 3.0012, gpuHours: 0.0003, memoryGiBHours: 12.2547 },
    });
    expect(csv).toBe(
      'day,user,sandboxes,sandbox_hours,cpu_hours,gpu_hours,memory_gib_hours\r\n' +
        '2026-03-01,alice,2,1.5000,3.0000,0.0000,12.2500\r\n' +
        '2026-03-02,bob,1,0.0003,0.0012,0.0003,0.0047\r\n',
    );
  });

  it('quotes fields with commas, quotes or line breaks, doubling the quotes', () => {
    expect(csvField('alice')).toBe('alice');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('names the file after the range', () => {
    expect(usageCsvFilename({ from: '2026-03-01', to: '2026-03-31' })).toBe('shiva-usage-2026-03-01-2026-03-31.csv');
  });
});
