import type { Page } from '@playwright/test';

export interface NarrowBlock {
  text: string;
  width: number;
  lines: number;
}

export interface PhoneLayout {
  /** The page is wider than the screen: the reader would scroll sideways. */
  pageScrollWidth: number;
  viewportWidth: number;
  /** Text that wraps onto two or more lines inside a block narrower than `minWidth`. */
  narrow: NarrowBlock[];
}

/**
 * What a person on a phone would find cramped. A text block is the nearest box that lays out the
 * text (not an inline span); it is "narrow" when it is under `minWidth` px wide and its text
 * wraps, i.e. it is read as a column. Short one-line labels (a badge, a time) are fine at any
 * width. A frame may scroll sideways on a phone (a wide table), but the text in it is measured
 * the same: scrolling is no excuse for a column a word wide. Hidden text and SVG labels (charts)
 * are not read.
 */
export function measurePhoneLayout(page: Page, minWidth = 120): Promise<PhoneLayout> {
  return page.evaluate((min) => {
    const blockOf = (el: Element): Element => {
      let e: Element = el;
      while (e.parentElement && ['inline', 'contents'].includes(getComputedStyle(e).display)) e = e.parentElement;
      return e;
    };
    const narrow: { text: string; width: number; lines: number }[] = [];
    const seen = new Set<Element>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim() ?? '';
      const parent = n.parentElement;
      if (!text || !parent || parent.closest('svg, script, style, noscript, template')) continue;
      // Not shown: display none, visibility hidden, or inside a closed <details>.
      if (!parent.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length === 0) continue;
      const lines = new Set(rects.map((r) => Math.round(r.top))).size;
      if (lines < 2) continue;
      const block = blockOf(parent);
      if (seen.has(block)) continue;
      const cs = getComputedStyle(block);
      const width = block.getBoundingClientRect().width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (width < min) {
        seen.add(block);
        narrow.push({ text: (block.textContent ?? '').trim().slice(0, 80), width: Math.round(width), lines });
      }
    }
    return { pageScrollWidth: document.documentElement.scrollWidth, viewportWidth: window.innerWidth, narrow };
  }, minWidth);
}
