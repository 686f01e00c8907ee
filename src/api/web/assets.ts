import path from 'node:path';
import express, { type Router } from 'express';

// The package's exports map hides package.json; its main entry is dist/js/uswds.min.js.
const USWDS_DIST = path.resolve(path.dirname(require.resolve('@uswds/uswds')), '..');

/**
 * Caseloop's own few rules on top of USWDS: the header, the 320 px layout, and small utilities
 * the design system lacks. Served as a file (never inline) so the CSP needs no 'unsafe-inline'.
 */
const CASELOOP_CSS = `
.cl-header{background:#1a4480;color:#fff;padding:.5rem 0}
.cl-header__inner{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem}
.cl-brand{color:#fff;font-weight:700;font-size:1.25rem;text-decoration:none}
.cl-brand:visited{color:#fff}
.cl-nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
.cl-nav a{color:#fff;text-decoration:none;padding:.25rem 0;display:inline-block}
.cl-nav a:visited{color:#fff}
.cl-nav a:hover,.cl-nav a:focus{text-decoration:underline}
.cl-nav a[aria-current=page]{border-bottom:3px solid #fff;font-weight:700}
.cl-signout{margin-left:auto;display:flex;align-items:center;gap:.5rem}
.cl-signout .usa-button--unstyled{color:#fff}
.cl-signout .usa-button--unstyled:hover{color:#fff}
.cl-main{padding-top:1rem;padding-bottom:2rem;overflow-wrap:anywhere}
.cl-footer{font-size:.9rem}
.cl-inline-form{display:inline}
.cl-muted{color:#565c65}
.cl-badge{display:inline-block;padding:0 .5rem;border-radius:.25rem;background:#dfe1e2;color:#1b1b1b;font-size:.9rem}
.cl-badge--overdue{background:#b50909;color:#fff}
.cl-badge--today{background:#ffbe2e;color:#1b1b1b}
.cl-badge--high{background:#b50909;color:#fff}
.cl-badge--medium{background:#ffbe2e;color:#1b1b1b}
.cl-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.cl-actions .usa-button{margin-right:0}
.cl-facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem 1.5rem;margin:1rem 0}
.cl-facts dt{font-weight:700}
.cl-facts dd{margin:0}
.cl-text{white-space:pre-line}
.cl-section{margin-top:2.5rem}
.cl-note{border-left:4px solid #dfe1e2;padding-left:1rem;margin:0 0 1.5rem}
.cl-note p{margin:.25rem 0}
.cl-note--amendment{border-left-color:#ffbe2e;margin:1rem 0 0}
.cl-escalation{margin-bottom:1rem}
.cl-paging{display:flex;gap:1.5rem}
.cl-table{width:100%}
.cl-duration{display:flex;flex-wrap:wrap;gap:0 1rem}
.cl-duration .usa-input{max-width:9rem}
.usa-form.cl-wide-form{max-width:none}
.cl-wide-form>:not(.cl-section){max-width:30rem}
.cl-table th,.cl-table td{overflow-wrap:anywhere}
.usa-table thead th{overflow-wrap:normal}
.cl-figure{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;align-items:start}
.cl-chart{display:block;max-width:100%;height:auto}
.cl-chart text{font-family:"Source Sans Pro Web","Helvetica Neue",Arial,sans-serif;font-size:16px;fill:#1b1b1b}
.cl-chart .cl-chart__label{font-weight:700}
@media (min-width:64em){.cl-figure:not(.cl-figure--stacked){grid-template-columns:minmax(0,28rem) minmax(0,1fr)}}
@media (max-width:30em){.cl-signout{margin-left:0}.usa-table{font-size:.95rem}}
.cl-discharge-item{margin-top:1.5rem}
@media print{
@page{margin:15mm 12mm}
.usa-skipnav,.cl-header,.usa-breadcrumb,.usa-footer,.cl-toc,.cl-actions,.cl-no-print,.usa-button,form,nav{display:none!important}
body{background:#fff;color:#000;font-size:11pt}
.grid-container,.cl-main{max-width:none;padding:0;margin:0}
a,a:visited{color:#000;text-decoration:none}
.cl-muted{color:#333}
h1{font-size:18pt;margin-top:0}
h2{font-size:14pt;margin-top:1.25rem}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
tr,.cl-facts>div,.cl-discharge-part>p{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
.usa-table{font-size:10pt;width:100%}
.usa-table th,.usa-table td{padding:.35rem .5rem}
.cl-facts{grid-template-columns:repeat(3,minmax(0,1fr))}
}
`;

/** The design system's compiled CSS, fonts and images, and Caseloop's stylesheet. */
export function assetRoutes(): Router {
  const assets = express.Router();
  const cache = { maxAge: '1d', index: false as const, fallthrough: false };
  for (const dir of ['css', 'fonts', 'img', 'js'])
    assets.use(`/assets/uswds/${dir}`, express.static(path.join(USWDS_DIST, dir), cache));
  assets.get('/assets/caseloop.css', (_req, res) => {
    res.type('css').set('cache-control', 'public, max-age=3600').send(CASELOOP_CSS);
  });
  return assets;
}
