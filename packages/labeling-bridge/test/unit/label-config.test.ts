import { describe, expect, it } from 'vitest';
import { LabelConfigError, LabelNotAllowedError, matchLabel, parseLabelConfig } from '../../src/index.js';
import { assertFolderSafeLabel } from '../../src/label-config.js';

const xml = `<View>
  <!-- <Choices name="old" toName="image"><Choice value="Gone"/></Choices> -->
  <Header value="Pick one"/>
  <Image name="img" value="$picture" zoom="true"/>
  <Choices name="label" toName="img" choice="single-radio">
    <Choice value="Cat &amp; Kitten"/>
    <Choice value="Dog" alias="dog"/>
    <Choice value='Bird'/>
  </Choices>
</View>`;

describe('parseLabelConfig', () => {
  it('finds the Choices/Image pair, the data key and the labels (entities decoded, aliases used, comments ignored)', () => {
    expect(parseLabelConfig(xml)).toEqual({
      fromName: 'label',
      toName: 'img',
      dataKey: 'picture',
      labels: ['Cat & Kitten', 'dog', 'Bird'],
    });
  });

  it('says what is missing', () => {
    expect(() => parseLabelConfig('<View><Choices name="c" toName="i"><Choice value="a"/></Choices></View>')).toThrow(
      /no <Image> tag/,
    );
    expect(() => parseLabelConfig('<View><Image name="i" value="$image"/></View>')).toThrow(/no <Choices> tag/);
    expect(() =>
      parseLabelConfig(
        '<View><Image name="i" value="$image"/><Choices name="c" toName="other"><Choice value="a"/></Choices></View>',
      ),
    ).toThrow(/toName is the name of an <Image>/);
    expect(() =>
      parseLabelConfig(
        '<View><Image name="i" value="image"/><Choices name="c" toName="i"><Choice value="a"/></Choices></View>',
      ),
    ).toThrow(/value="\$<data key>"/);
    expect(() =>
      parseLabelConfig('<View><Image name="i" value="$image"/><Choices name="c" toName="i"></Choices></View>'),
    ).toThrow(/no <Choice/);
    expect(() => parseLabelConfig('not xml')).toThrow(LabelConfigError);
  });

  it('matches model labels exactly, then case-insensitively, and never invents one', () => {
    const config = parseLabelConfig(xml);
    expect(matchLabel(config, 'Bird')).toBe('Bird');
    expect(matchLabel(config, 'DOG')).toBe('dog');
    expect(matchLabel(config, 'Horse')).toBeUndefined();
  });

  it('refuses labels that are not choices or are unsafe as folder names, even when the config lists them', () => {
    const config = parseLabelConfig(
      '<View><Image name="i" value="$image"/><Choices name="c" toName="i"><Choice value="../etc"/><Choice value="T-shirt/top"/><Choice value="ok"/></Choices></View>',
    );
    expect(assertFolderSafeLabel(config, 'ok')).toBe('ok');
    expect(() => assertFolderSafeLabel(config, 'T-shirt/top')).toThrow(/cannot be used as a folder name/);
    expect(() => assertFolderSafeLabel(config, '../etc')).toThrow(LabelNotAllowedError);
    expect(() => assertFolderSafeLabel(config, 'nope')).toThrow(/is not one of the label config choices/);
    expect(() => assertFolderSafeLabel(config, 3)).toThrow(/is not a string/);
  });
});
