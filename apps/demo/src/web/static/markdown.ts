/**
 * The few markdown forms the pipeline's reports use (headings, paragraphs, tables, images), turned into DOM
 * nodes with textContent only: a report can never inject markup into the page.
 */
export function renderMarkdown(markdown: string, imageUrl: (file: string) => string | undefined): HTMLElement[] {
  const out: HTMLElement[] = [];
  const lines = markdown.split(/\r?\n/);
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(text('p', paragraph.join(' ')));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const image = /^!\[([^\]]*)\]\(([^)\s]+)\)$/.exec(line);
    if (!line) {
      flush();
    } else if (heading) {
      flush();
      out.push(text(heading[1] === '#' ? 'h3' : 'h4', heading[2] ?? ''));
    } else if (image) {
      flush();
      const src = imageUrl(image[2] ?? '');
      if (src) {
        const img = document.createElement('img');
        img.src = src;
        img.alt = image[1] ?? '';
        out.push(img);
      } else {
        out.push(text('p', `[image ${image[2] ?? ''} not shown]`));
      }
    } else if (line.startsWith('|')) {
      flush();
      const rows: string[][] = [];
      while (i < lines.length && (lines[i] ?? '').trim().startsWith('|')) {
        const cells = (lines[i] ?? '')
          .trim()
          .replace(/^\||\|$/g, '')
          .split('|')
          .map((c) => c.trim());
        if (!cells.every((c) => /^:?-+:?$/.test(c))) rows.push(cells);
        i++;
      }
      i--;
      out.push(table(rows));
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return out;
}

function text<K extends keyof HTMLElementTagNameMap>(tag: K, content: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = content;
  return node;
}

function table(rows: string[][]): HTMLElement {
  const t = document.createElement('table');
  const [head, ...body] = rows;
  if (head) {
    const tr = document.createElement('tr');
    tr.append(...head.map((cell) => text('th', cell)));
    t.append(document.createElement('thead'));
    t.tHead?.append(tr);
  }
  const tbody = document.createElement('tbody');
  for (const row of body) {
    const tr = document.createElement('tr');
    tr.append(...row.map((cell) => text('td', cell)));
    tbody.append(tr);
  }
  t.append(tbody);
  return t;
}
