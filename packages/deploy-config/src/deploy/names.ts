/** Names of the SageMaker resources one deployment creates. */
// `<endpoint>-v<version>-<17-digit UTC stamp>` stays within SageMaker's 63 characters.
const STAMP_LENGTH = 17;
export const PREFIX_MAX = 63 - STAMP_LENGTH - 2 - 1 - 6;

/** Name of the model and endpoint config of one deployment: endpoint name, package version, UTC time stamp. */
export function resourceName(options: {
  readonly endpointName: string;
  /** The model package version deployed. */
  readonly version: number;
  readonly now: Date;
}): string {
  const { endpointName, version, now } = options;
  const stamp = now.toISOString().replace(/[-:TZ.]/g, '');
  return `${endpointName.slice(0, PREFIX_MAX).replace(/-+$/, '')}-v${version}-${stamp}`;
}

/** The UTC stamp at the end of a deployment's resource name (sorts by time). */
export function stampOf(name: string): string {
  return name.slice(-STAMP_LENGTH);
}

/** Matches the endpoint config names deployments of `endpointName` create. */
export function stageConfigNamePattern(endpointName: string): { prefix: string; pattern: RegExp } {
  const prefix = `${endpointName.slice(0, PREFIX_MAX)}-v`;
  return { prefix, pattern: new RegExp(`^${escapeRegExp(prefix)}\\d+-\\d{17}$`) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
