import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { esc } from './html';

/**
 * The Temporal UI shows a workflow's summary and details in an iframe loaded from `<ui>/render`.
 * Its server registers that page only at `/render`, not under a public path (UI 2.54.1), so behind
 * Caseloop at /temporal the frame came back empty. Caseloop renders it instead: the small Markdown
 * its workflows write (paragraphs, `- ` lists, **bold**), every character escaped, no scripts.
 */
export const renderSummaryFrame: RequestHandler = (req, res) => {
  const content = typeof req.query.content === 'string' ? req.query.content : '';
  const dark = typeof req.query.theme === 'string' && req.query.theme.startsWith('dark');
  const compact = req.query.compact === 'true';
  const nonce = randomBytes(16).toString('hex');
  res
    .status(200)
    .type('html')
    .set({
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><base target="_blank">` +
        `<style nonce="${nonce}">${frameStyle(dark, compact)}</style></head>` +
        `<body><main>${markdownToHtml(content)}</main></body></html>`,
    );
};

function frameStyle(dark: boolean, compact: boolean): string {
  const [bg, fg] = dark ? ['#141414', '#f8fafc'] : ['#f8fafc', '#141414'];
  return `html,body{margin:0;color-scheme:${dark ? 'dark' : 'light'};background:${compact ? 'transparent' : bg};color:${fg}}
body{font:14px/1.5 system-ui,sans-serif;padding:${compact ? '0' : '.25rem 0'}}p,ul{margin:0 0 .4rem}ul{padding-left:1.2rem}`;
}

/** Paragraphs, `- ` bullet lists and **bold**; anything else is shown as the text it is. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let list: string[] = [];
  const flushList = (): void => {
    if (list.length) out.push(`<ul>${list.map((item) => `<li>${item}</li>`).join('')}</ul>`);
    list = [];
  };
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trim();
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    if (bullet) {
      list.push(inline(bullet[1]!));
      continue;
    }
    flushList();
    if (line) out.push(`<p>${inline(line)}</p>`);
  }
  flushList();
  return out.join('');
}

const inline = (text: string): string => esc(text).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
