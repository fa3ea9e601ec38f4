// Code assets: package a source folder as sourcedir.tar.gz, upload it under its content hash, and
// produce the script-mode settings the SageMaker framework containers read.
export { CodeAssetError, SourceDirError, CodeAssetUploadError } from './errors.js';
export {
  DEFAULT_IGNORE_PATTERNS,
  packageSourceDir,
  type PackageSourceDirOptions,
  type PackagedSourceDir,
} from './source-dir.js';
export {
  DEFAULT_CONTAINER_LOG_LEVEL,
  UploadedSourceDir,
  scriptModeModelEnvironment,
  uploadSourceDir,
  type ScriptModeSettings,
  type UploadSourceDirOptions,
} from './upload.js';
export { PROCESSING_CODE_PATH, UploadedProcessingCode, uploadProcessingCode } from './processing.js';
