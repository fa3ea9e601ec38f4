import { LabelConfigError, LabelNotAllowedError } from './errors.js';

/** What the bridge needs from a Label Studio label config: one Choices tag bound to one Image tag. */
export interface ImageClassificationConfig {
  /** `name` of the Choices tag: the `from_name` of every result. */
  readonly fromName: string;
  /** `name` of the Image tag: the `to_name` of every result. */
  readonly toName: string;
  /** The task data key holding the image URL (`$image` → `image`). */
  readonly dataKey: string;
  /** Allowed labels, in config order. */
  readonly labels: readonly string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

interface Tag {
  name: string;
  attrs: Record<string, string>;
  start: number;
  /** index after the matching close tag (or after a self-closing tag) */
  end: number;
}

/** Tags by name, with attributes; enough XML for Label Studio configs (no DTDs, no CDATA in attributes). */
function scanTags(xml: string, tagName: string): Tag[] {
  const tags: Tag[] = [];
  const open = new RegExp(`<${tagName}\\b((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>`, 'g');
  for (let match = open.exec(xml); match; match = open.exec(xml)) {
    const attrs: Record<string, string> = {};
    const attrRe = /([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g;
    for (let a = attrRe.exec(match[1] ?? ''); a; a = attrRe.exec(match[1] ?? '')) {
      attrs[(a[1] ?? '').toLowerCase()] = decodeEntities(a[3] ?? a[4] ?? '');
    }
    let end = open.lastIndex;
    if (match[2] !== '/') {
      const close = xml.indexOf(`</${tagName}>`, open.lastIndex);
      end = close === -1 ? xml.length : close + tagName.length + 3;
    }
    tags.push({ name: tagName, attrs, start: match.index, end });
  }
  return tags;
}

/**
 * Reads the Choices/Image pair out of a label config. With several Choices tags, `fromName` picks one;
 * otherwise the first Choices bound to an Image tag is used.
 */
export function parseLabelConfig(xml: string, options: { fromName?: string } = {}): ImageClassificationConfig {
  if (typeof xml !== 'string' || !/<View\b/i.test(xml)) {
    throw new LabelConfigError('expected an XML label config starting with <View>');
  }
  const stripped = xml.replace(/<!--[\s\S]*?-->/g, '');
  const images = scanTags(stripped, 'Image');
  const choicesTags = scanTags(stripped, 'Choices');
  if (images.length === 0) throw new LabelConfigError('no <Image> tag: add <Image name="image" value="$image"/>');
  if (choicesTags.length === 0) {
    throw new LabelConfigError(
      'no <Choices> tag: add <Choices name="choice" toName="image"> with <Choice value="…"/> children',
    );
  }
  const candidates = choicesTags.filter((c) =>
    options.fromName ? c.attrs.name === options.fromName : images.some((i) => i.attrs.name === c.attrs.toname),
  );
  const choices = candidates[0];
  if (!choices) {
    throw new LabelConfigError(
      options.fromName
        ? `no <Choices name="${options.fromName}"> bound to an <Image> tag`
        : 'no <Choices> tag whose toName is the name of an <Image> tag',
    );
  }
  const image = images.find((i) => i.attrs.name === choices.attrs.toname);
  if (!image || !choices.attrs.name) throw new LabelConfigError('the <Choices> tag needs name and toName attributes');
  const value = image.attrs.value ?? '';
  if (!value.startsWith('$') || value.length < 2) {
    throw new LabelConfigError(
      `<Image name="${image.attrs.name}"> needs value="$<data key>", got ${JSON.stringify(value)}`,
    );
  }
  const inner = stripped.slice(choices.start, choices.end);
  const labels: string[] = [];
  for (const choice of scanTags(inner, 'Choice')) {
    const label = choice.attrs.alias ?? choice.attrs.value;
    if (label !== undefined && label !== '' && !labels.includes(label)) labels.push(label);
  }
  if (labels.length === 0)
    throw new LabelConfigError(`<Choices name="${choices.attrs.name}"> has no <Choice value="…"/> children`);
  return { fromName: choices.attrs.name, toName: image.attrs.name ?? '', dataKey: value.slice(1), labels };
}

/**
 * Maps a model's label onto the config's labels: exact match first, then a case-insensitive match
 * (models often emit `t-shirt` where the config says `T-shirt`). Returns undefined when nothing matches.
 */
export function matchLabel(config: ImageClassificationConfig, label: string): string | undefined {
  if (config.labels.includes(label)) return label;
  const lower = label.toLowerCase();
  return config.labels.find((l) => l.toLowerCase() === lower);
}

/**
 * A label that is safe as an S3 folder name and is one of the config's labels; throws LabelNotAllowedError otherwise.
 * Path tricks (`..`, `/`, control characters) are refused even when the config itself contains them.
 */
export function assertFolderSafeLabel(config: ImageClassificationConfig, label: unknown): string {
  if (typeof label !== 'string') throw new LabelNotAllowedError(String(label), config.labels, 'is not a string');
  if (!config.labels.includes(label)) throw new LabelNotAllowedError(label, config.labels);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a label (a folder name in the lake) must not contain
  if (label === '.' || label === '..' || /[/\\\u0000-\u001f\u007f]/.test(label) || label.length > 200) {
    throw new LabelNotAllowedError(
      label,
      config.labels,
      'cannot be used as a folder name (no "/", "\\", "..", control characters)',
    );
  }
  return label;
}
