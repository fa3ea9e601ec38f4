import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { grayscalePng } from '@sagemaker-mlops/test-services';

export const FASHION_LABELS = [
  'T-shirt',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The first `count` Fashion-MNIST test images as PNGs with their labels (the Debian dataset-fashion-mnist files). */
export function fashionMnist(count: number): Array<{ png: Buffer; label: string; index: number }> {
  const dir = '/usr/share/datasets/fashion-mnist';
  const images = gunzipSync(readFileSync(`${dir}/t10k-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${dir}/t10k-labels-idx1-ubyte.gz`));
  const out: Array<{ png: Buffer; label: string; index: number }> = [];
  for (let i = 0; i < count; i++) {
    const pixels = images.subarray(16 + i * 784, 16 + (i + 1) * 784);
    out.push({ png: grayscalePng(28, 28, pixels), label: FASHION_LABELS[labels[8 + i] as number] as string, index: i });
  }
  return out;
}

export function labelConfigXml(labels: readonly string[] = FASHION_LABELS): string {
  const choices = labels.map((l) => `<Choice value="${l}"/>`).join('');
  return `<View><Image name="image" value="$image"/><Choices name="choice" toName="image" choice="single">${choices}</Choices></View>`;
}

/** A predictor that really reads the PNG: the label is chosen from the bytes, so a wrong image gives a wrong label. */
export function pngSizePredictor(labels: readonly string[] = FASHION_LABELS) {
  return async (image: Uint8Array) => {
    if (image[0] !== 0x89 || image[1] !== 0x50) throw new Error('not a PNG');
    const index = image.length % labels.length;
    const probabilities: Record<string, number> = {};
    labels.forEach((l, i) => {
      probabilities[l] = i === index ? 0.91 : 0.09 / (labels.length - 1);
    });
    return { label: labels[index] as string, probabilities, modelVersion: 'png-size/1' };
  };
}
