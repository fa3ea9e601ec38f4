export { listLabelledImages, labelFor, IMAGE_EXTENSIONS, type LabelledImage } from './dataset.js';
export {
  runEndpointTest,
  summarize,
  type SummarizeOptions,
  type RunEndpointTestOptions,
  type EndpointTestReport,
  type ImageOutcome,
  type ImageErrorKind,
  type ClassAccuracy,
} from './runner.js';
export { formatReport, toJUnitXml } from './report.js';
