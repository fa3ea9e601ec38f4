// Our ML backend over the same predictor as the Python baseline: fetch the image, then a fixed 10 ms model call.
import { MediaResolver, createMlBackend } from '@sagemaker-mlops/labeling-bridge';

const imageHost = process.argv[2];
const predictorMs = [];
const backend = createMlBackend({
  media: new MediaResolver({ allowedHosts: [imageHost] }),
  modelVersion: 'bench/1',
  predictor: async (image) => {
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
    predictorMs.push(performance.now() - started);
    const labels = ['Cat', 'Dog', 'Bird'];
    return { label: labels[image.length % 3], probabilities: { Cat: 0.91, Dog: 0.05, Bird: 0.04 } };
  },
});
const { url } = await backend.listen(0);
process.on('message', (message) => {
  if (message === 'predictor-ms') {
    process.send?.({ predictorMs: predictorMs.splice(0) });
  }
});
console.log(JSON.stringify({ url }));
