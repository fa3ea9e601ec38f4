import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { LabelConfigError, LabelNotAllowedError, RequestBodyTooLargeError } from './errors.js';

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

/**
 * Largest label config parsed, in UTF-16 code units. Label Studio's own templates are a few KiB; a config with a
 * thousand classes stays under 100 KiB. The cap keeps a hostile config from costing more than a parse of 256 KiB.
 */
export const MAX_LABEL_CONFIG_CHARS = 256 * 1024;

interface ChoicesTag {
  name: string | undefined;
  toName: string | undefined;
  labels: string[];
  /** The labels again, for a constant-time duplicate check (a config may list thousands). */
  seen: Set<string>;
}

/** Attribute names lower-cased (Label Studio writes `toName`, some configs `toname`). */
function attributes(tag: SaxesTagPlain): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(tag.attributes)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * The Image and Choices tags of a config, read by a streaming XML parser in one linear pass: predefined and numeric
 * entities are decoded, CDATA and comments are handled as XML says, and a DOCTYPE (the door to entity expansion) is
 * refused. Malformed XML is a LabelConfigError naming the line and column.
 */
function scan(xml: string): { root: string | undefined; images: Array<Record<string, string>>; choices: ChoicesTag[] } {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const images: Array<Record<string, string>> = [];
  const choices: ChoicesTag[] = [];
  const stack: Array<ChoicesTag | undefined> = [];
  let root: string | undefined;
  parser.on('doctype', () => {
    throw new LabelConfigError('a DOCTYPE is not allowed in a label config');
  });
  parser.on('opentag', (tag) => {
    root ??= tag.name;
    const attrs = attributes(tag);
    let open: ChoicesTag | undefined;
    if (tag.name === 'Image') images.push(attrs);
    else if (tag.name === 'Choices') {
      open = { name: attrs.name, toName: attrs.toname, labels: [], seen: new Set() };
      choices.push(open);
    } else if (tag.name === 'Choice') {
      const owner = stack.findLast((entry) => entry !== undefined);
      const label = attrs.alias ?? attrs.value;
      if (owner && label !== undefined && label !== '' && !owner.seen.has(label)) {
        owner.seen.add(label);
        owner.labels.push(label);
      }
    }
    if (!tag.isSelfClosing) stack.push(open);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  parser.on('error', (error) => {
    throw new LabelConfigError(`not well-formed XML: ${error.message}`);
  });
  parser.write(xml).close();
  return { root, images, choices };
}

/**
 * Reads the Choices/Image pair out of a label config. With several Choices tags, `fromName` picks one;
 * otherwise the first Choices bound to an Image tag is used.
 */
export function parseLabelConfig(xml: string, options: { fromName?: string } = {}): ImageClassificationConfig {
  if (typeof xml !== 'string') throw new LabelConfigError('expected an XML label config starting with <View>');
  if (xml.length > MAX_LABEL_CONFIG_CHARS) {
    throw new RequestBodyTooLargeError(
      MAX_LABEL_CONFIG_CHARS,
      'label config',
      'Label Studio configs for image classification are a few KiB',
    );
  }
  const { root, images, choices: choicesTags } = scan(xml);
  if (root?.toLowerCase() !== 'view') {
    throw new LabelConfigError(`expected an XML label config starting with <View>, got <${root ?? ''}>`);
  }
  if (images.length === 0) throw new LabelConfigError('no <Image> tag: add <Image name="image" value="$image"/>');
  if (choicesTags.length === 0) {
    throw new LabelConfigError(
      'no <Choices> tag: add <Choices name="choice" toName="image"> with <Choice value="…"/> children',
    );
  }
  const choices = choicesTags.find((c) =>
    options.fromName ? c.name === options.fromName : images.some((i) => i.name === c.toName),
  );
  if (!choices) {
    throw new LabelConfigError(
      options.fromName
        ? `no <Choices name="${options.fromName}"> bound to an <Image> tag`
        : 'no <Choices> tag whose toName is the name of an <Image> tag',
    );
  }
  const image = images.find((i) => i.name === choices.toName);
  if (!image || !choices.name) throw new LabelConfigError('the <Choices> tag needs name and toName attributes');
  const value = image.value ?? '';
  if (!value.startsWith('$') || value.length < 2) {
    throw new LabelConfigError(`<Image name="${image.name}"> needs value="$<data key>", got ${JSON.stringify(value)}`);
  }
  if (choices.labels.length === 0)
    throw new LabelConfigError(`<Choices name="${choices.name}"> has no <Choice value="…"/> children`);
  return { fromName: choices.name, toName: image.name ?? '', dataKey: value.slice(1), labels: choices.labels };
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

/** Longest label, in UTF-8 bytes, used as a folder name (a file name on local disks is at most 255 bytes). */
export const MAX_LABEL_BYTES = 128;

/**
 * Why a label cannot be a folder name of the lake, or undefined when it can. The rule: 1 to 128 UTF-8 bytes; no
 * `/` or `\`; no `%` (percent-encoded tricks such as `%2e%2e`); not starting with `.` (so never `.` or `..`); no
 * leading or trailing white space; no control, format (bidi overrides, zero-width), line- or paragraph-separator
 * characters, and no lone surrogates.
 */
export function unsafeFolderNameReason(label: string): string | undefined {
  if (label.length === 0) return 'is empty';
  if (Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES) return `is longer than ${MAX_LABEL_BYTES} UTF-8 bytes`;
  if (/[/\\%]/.test(label)) return 'contains "/", "\\" or "%"';
  if (label.startsWith('.')) return 'starts with "."';
  if (label.trim() !== label) return 'starts or ends with white space';
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(label)) {
    return 'contains control, format (bidi, zero-width) or line-separator characters';
  }
  return undefined;
}

/**
 * A label that is one of the config's labels and safe as an S3 folder name (see `unsafeFolderNameReason`); throws
 * LabelNotAllowedError otherwise. The folder rule applies even when the config itself contains such a label.
 */
export function assertFolderSafeLabel(config: ImageClassificationConfig, label: unknown): string {
  if (typeof label !== 'string') {
    throw new LabelNotAllowedError(typeof label, config.labels, 'is not a string: a choice is a label from the config');
  }
  if (!config.labels.includes(label)) throw new LabelNotAllowedError(label, config.labels);
  const unsafe = unsafeFolderNameReason(label);
  if (unsafe) throw new LabelNotAllowedError(label, config.labels, `cannot be used as a folder name: it ${unsafe}`);
  return label;
}
