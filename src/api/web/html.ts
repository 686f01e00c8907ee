/**
 * The staff web pages' HTML: semantic, no JavaScript, one small stylesheet. Every value that came
 * from a person or the database goes through `esc`.
 */

export const esc = (text: string | number | null | undefined): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PageUser {
  email: string;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1b1b1b}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ccc;margin-bottom:1rem}
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd}
.notice{background:#eef7ee;border-left:4px solid #2e7d32;padding:.5rem 1rem}.problem{background:#fdecea;border-left:4px solid #c62828;padding:.5rem 1rem}
button{font:inherit;padding:.4rem 1rem;cursor:pointer}form.inline{display:inline}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`;

export function page(title: string, body: string, user?: PageUser): string {
  const signedIn = user
    ? `<nav aria-label="Main"><a href="/escalations">Escalations</a></nav>
<form class="inline" method="post" action="/sign-out"><span>${esc(user.email)}</span> <button type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — Caseloop</title><style>${STYLE}</style></head>
<body>
<header><p><strong>Caseloop</strong></p>${signedIn}</header>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>`;
}

export const when = (iso: string | null | undefined): string =>
  iso ? `<time datetime="${esc(iso)}">${esc(iso.slice(0, 16).replace('T', ' '))} UTC</time>` : '—';

/** A case status in words: "On hold". */
export const humanStatus = (status: string): string => {
  const text = status.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
};
