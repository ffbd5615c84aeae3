/**
 * A count's words in the form its language wants, by the CLDR plural rules that
 * Intl.PluralRules implements: English has "1 CPU" and "2 CPUs" (and "1.5 CPUs"); Japanese has
 * one form for every count, so its catalogue gives only `other`.
 */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules = new Map<string, Intl.PluralRules>();

/** The form of `forms` that `count` takes in `language` (a BCP 47 tag); `other` where none is given. */
export function pluralForm(language: string, count: number, forms: PluralForms): string {
  let rule = rules.get(language);
  if (!rule) {
    rule = new Intl.PluralRules(language);
    rules.set(language, rule);
  }
  return forms[rule.select(count)] ?? forms.other;
}
