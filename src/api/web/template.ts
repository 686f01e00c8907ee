/**
 * HTML that escapes by default. Every `${value}` in an `html` template is escaped unless it is
 * already `SafeHtml` (another template's result); arrays are joined. Markup can only come from
 * template literals in the source, so a value from a person or the database is never markup.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Fragment = SafeHtml | string | number | boolean | null | undefined | readonly Fragment[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeText(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(value: Fragment): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly Fragment[]).map(render).join('');
  // false/null/undefined render nothing, so `${cond && html`...`}` reads naturally.
  if (value === null || value === undefined || value === false) return '';
  return escapeText(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Joins fragments with a separator (itself escaped unless SafeHtml). */
export function joinHtml(parts: readonly Fragment[], separator: Fragment = ''): SafeHtml {
  return new SafeHtml(parts.map(render).join(render(separator)));
}
