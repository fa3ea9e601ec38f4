export * from './errors.js';
export * from './config/schema.js';
export { parseStageConfig, loadStageConfig, isTemplateConfiguration, formatJsonPath, TEMPLATE_PARAMETER_NAMES, type TemplateParameterName, type TemplateConfiguration, type StageConfigLoadOptions } from './config/load.js';
