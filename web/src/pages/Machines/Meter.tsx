/**
 * A labelled bar with its figures in words: "Memory — 48 of 256 GiB", and under the measured use,
 * lighter, what sandboxes were given with its own line of words. Styled by MachineGrid.
 */
import { memo, useId } from 'react';

const level = (percent: number) => (percent >= 90 ? ' error' : percent >= 70 ? ' warning' : '');

export interface MeterProps {
  label: string;
  /** 0–100. */
  percent: number;
  /** The figures, e.g. "48 of 256 GiB". */
  detail: string;
  /** 0–100: what sandboxes were given, on the same scale as `percent`. */
  allocatedPercent?: number | undefined;
  /** The allocation in words, e.g. "24 of 248 GiB allocated". */
  allocatedDetail?: string | undefined;
}

const clamp = (percent: number) => Math.round(Math.min(100, Math.max(0, percent)));

export const Meter = memo(function Meter({ label, percent, detail, allocatedPercent, allocatedDetail }: MeterProps) {
  const id = useId();
  const value = clamp(percent);
  return (
    <div className="meter">
      <div className="meter-head">
        <span className="meter-label" id={id}>
          {label}
        </span>
        <span className="meter-detail">{detail}</span>
      </div>
      <div className="meter-track" role="progressbar" aria-labelledby={id} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={detail}>
        {allocatedPercent !== undefined && <div className="meter-allocated" style={{ width: `${clamp(allocatedPercent)}%` }} />}
        <div className={`meter-fill${level(value)}`} style={{ width: `${value}%` }} />
      </div>
      {allocatedDetail && <div className="meter-note">{allocatedDetail}</div>}
    </div>
  );
});

/** A bare bar for a row that already says what it is (a GPU's utilisation). */
export function ThinBar({ label, percent, valueText }: { label: string; percent: number | null; valueText: string }) {
  const value = percent === null ? 0 : Math.round(Math.min(100, Math.max(0, percent)));
  return (
    <div className="meter-track thin" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={valueText}>
      <div className={`meter-fill${level(value)}`} style={{ width: `${value}%` }} />
    </div>
  );
}
