import type { Page } from 'playwright-core';

/**
 * Text a person could type into any free-text field that must come back as the same text, never
 * as markup: script and attribute breakouts, URL schemes, template syntax, bidirectional control
 * characters, and a very long value. No entry starts or ends with a blank (fields are trimmed),
 * and each is at most 2,000 characters (the longest limit of the smallest field it is sent to).
 */
export const INJECTION_CORPUS: readonly { name: string; text: string }[] = [
  { name: 'script element', text: '<script>alert(1)</script>' },
  { name: 'attribute breakout with an image', text: '"><img src=x onerror=alert(1)>' },
  { name: 'single-quoted attribute breakout', text: "' onmouseover='alert(1)" },
  { name: 'double-quoted attribute breakout', text: '" autofocus onfocus="alert(1)' },
  { name: 'javascript URL', text: 'javascript:alert(1)' },
  { name: 'text area breakout', text: '</textarea><script>alert(1)</script>' },
  { name: 'title breakout with SVG', text: '</title><svg onload=alert(1)>' },
  { name: 'frame with a javascript URL', text: '<iframe src="javascript:alert(1)"></iframe>' },
  { name: 'link with a javascript URL', text: '<a href="javascript:alert(1)">click</a>' },
  { name: 'mustache template', text: '{{7*7}}' },
  { name: 'template literal', text: '${7*7}' },
  { name: 'server template', text: '<%= 7*7 %> #{7*7}' },
  { name: 'already escaped entities', text: '&lt;b&gt;bold&lt;/b&gt; &amp; &#60;i&#62;' },
  { name: 'backticks', text: '`${alert(1)}`' },
  { name: 'right-to-left override', text: 'invoice\u202Egnp.exe' },
  { name: 'comment and CDATA', text: '<!-- x --><![CDATA[<script>alert(1)</script>]]>' },
  { name: 'very long', text: '<img src=x onerror=alert(1)>'.repeat(70) },
];

/** Every entry on its own line: one field that carries the whole corpus. */
export const WHOLE_CORPUS = INJECTION_CORPUS.map((c) => c.text).join('\n');

/**
 * Elements and attributes a payload would have created had it been taken as markup: any script,
 * image, frame, SVG or object; any `on…` handler attribute; any javascript: URL in an attribute
 * that holds a URL. Caseloop's pages have none of these of their own. (A field's `value` echoing
 * "javascript:alert(1)" as typed is text, not a URL: a search box shows what was searched for.)
 */
export async function injectedMarkup(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'srcdoc', 'background', 'cite', 'ping'];
    const found = [];
    for (const el of document.querySelectorAll('script, img, iframe, frame, svg, object, embed, base'))
      found.push('<' + el.tagName.toLowerCase() + '> element');
    for (const el of document.querySelectorAll('*'))
      for (const attr of el.attributes) {
        if (attr.name.toLowerCase().startsWith('on')) found.push(attr.name + ' on <' + el.tagName.toLowerCase() + '>');
        if (URL_ATTRIBUTES.includes(attr.name.toLowerCase()) && /^\\s*javascript:/i.test(attr.value)) found.push(attr.name + '=' + attr.value + ' on <' + el.tagName.toLowerCase() + '>');
      }
    return found;
  })()`);
}

/** Records every dialog (alert, confirm, prompt) the page opens, and dismisses it. */
export function watchDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return seen;
}

/** The text of the page's main content, as the reader sees it (markup removed). */
export async function mainText(page: Page): Promise<string> {
  return page.evaluate<string>(`document.querySelector('main').textContent`);
}
