/**
 * The JSON contract between the browser page and the web server (and the Lambda handler).
 * Shared by both sides so a change to one is a compile error in the other.
 */

export type Stage = 'staging' | 'prod';
export const STAGES: readonly Stage[] = ['staging', 'prod'];

/** Image types the page accepts; the inference handler decodes exactly these. */
export const ACCEPTED_IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;
export type AcceptedImageType = (typeof ACCEPTED_IMAGE_TYPES)[number];

export interface StageStatus {
  stage: Stage;
  endpointName: string;
  /** The endpoint's status (`InService`, `Creating`, ...), or `NotDeployed` when it does not exist. */
  status: string;
}

export interface ConfigResponse {
  maxImageBytes: number;
  acceptedTypes: readonly string[];
  stages: StageStatus[];
}

/** A Grad-CAM heatmap: a grayscale PNG (white = most important), to be stretched over the image. */
export interface Heatmap {
  method: string;
  pngBase64: string;
}

export interface PredictionResponse {
  fileName: string;
  label: string;
  /** Class name -> probability, sorted by probability, highest first. */
  probabilities: Array<{ label: string; probability: number }>;
  modelVersion: string | null;
  stage: Stage;
  endpointName: string;
  latencyMs: number;
  /** Present only when asked for and the endpoint supports explanations. */
  heatmap?: Heatmap;
  /** Why there is no heatmap although one was asked for. */
  heatmapUnavailable?: string;
}

export type ErrorCode =
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'IMAGE_TOO_LARGE'
  | 'EMPTY_UPLOAD'
  | 'UNKNOWN_STAGE'
  | 'ENDPOINT_UNAVAILABLE'
  | 'MODEL_ERROR'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BAD_REQUEST'
  | 'MODEL_NOT_FOUND'
  | 'CONFLICT'
  | 'REVIEW_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorResponse {
  error: { code: ErrorCode; message: string; stage?: Stage; endpointName?: string };
}
