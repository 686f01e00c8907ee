import { html, type SafeHtml } from './template';

/**
 * Horizontal bar charts drawn on the server as inline SVG: no script, no style attribute (the CSP
 * forbids both), readable at 320 px. Each chart is an image with a name (role="img" and a
 * <title>); the figures themselves are in the table the page puts beside it, which is what
 * assistive technology reads.
 */
export interface Bar {
  /** Shown after the bar with its value, e.g. "accepted". */
  name?: string;
  value: number;
  /** The value as a person reads it: "75%", "2.5 days". */
  display: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

const WIDTH = 320;
const BAR_AREA = 130;
const LABEL_HEIGHT = 24;
const BAR_HEIGHT = 20;
const GAP = 10;
/** Dark enough against white for text and for the bars (WCAG non-text contrast). */
const COLOURS = ['#005ea2', '#8b0a03'];

const clip = (text: string, max = 34): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function barChart(opts: { id: string; title: string; groups: BarGroup[]; max?: number }): SafeHtml {
  const max = opts.max ?? Math.max(1, ...opts.groups.flatMap((g) => g.bars.map((b) => b.value)));
  let y = 4;
  const parts: SafeHtml[] = [];
  for (const g of opts.groups) {
    y += LABEL_HEIGHT - 4;
    parts.push(html`<text x="0" y="${y}" class="cl-chart__label">${clip(g.label)}</text>`);
    y += 6;
    g.bars.forEach((b, i) => {
      const w = b.value > 0 ? Math.max(2, Math.round((b.value / max) * BAR_AREA)) : 0;
      parts.push(
        html`<rect
            x="0"
            y="${y}"
            width="${w}"
            height="${BAR_HEIGHT}"
            fill="${COLOURS[i % COLOURS.length]}"
          ></rect>
          <text x="${w + 6}" y="${y + BAR_HEIGHT - 5}" class="cl-chart__value"
            >${b.name ? `${b.name} ` : ''}${b.display}</text
          >`,
      );
      y += BAR_HEIGHT + 4;
    });
    y += GAP;
  }
  const height = Math.max(y, 24);
  return html`<svg
    class="cl-chart"
    role="img"
    aria-labelledby="${opts.id}-title"
    viewBox="0 0 ${WIDTH} ${height}"
    width="${WIDTH}"
    height="${height}"
    xmlns="http://www.w3.org/2000/svg"
    focusable="false"
  >
    <title id="${opts.id}-title">${opts.title}</title>
    ${
      opts.groups.length === 0
        ? html`<text x="0" y="16" class="cl-chart__value">Nothing to show for this range.</text>`
        : parts
    }
  </svg>`;
}
