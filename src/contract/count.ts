/**
 * "1 CPU", "1.5 CPUs", "0 GPUs": a figure with its unit in English, singular only for exactly 1
 * (CLDR's English plural rule), for the hub's messages. The dashboard says it in the reader's
 * language with Intl.PluralRules instead (web/src/i18n/plural.ts).
 */
export function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
