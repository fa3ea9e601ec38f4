/**
 * The JSON contract of the models page (review, approve, deploy) between the browser and the server.
 * Shared by both sides so a change to one is a compile error in the other.
 */
import type { Stage } from '../contract.js';

export const APPROVAL_DECISIONS = ['Approved', 'Rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];
/** SageMaker's limit on ApprovalDescription. */
export const MAX_COMMENT_CHARS = 1024;
/** The report folders a page may read images from, and the image names it may ask for. */
export const REPORT_IMAGE_PARTS = ['explanation', 'robustness'] as const;
export type ReportImagePart = (typeof REPORT_IMAGE_PARTS)[number];
export const REPORT_IMAGE_NAME = /^[A-Za-z0-9_-]{1,64}\.png$/;

export interface MetricValue {
  name: string;
  value: number;
  standardDeviation: number | null;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvaluationView {
  accuracy: number | null;
  testImages: number | null;
  /** The model-quality metrics (accuracy, weighted precision/recall/F-scores) and their best-constant baselines. */
  metrics: MetricValue[];
  perClass: ClassMetrics[];
  /** rows[i][j]: test images of class labels[i] predicted as labels[j]. */
  confusion: { labels: string[]; rows: number[][] } | null;
}

export interface DriftVerdict {
  /** `unperturbed` (the test split) or `perturbed` (blur, brightness and noise). */
  name: 'unperturbed' | 'perturbed';
  isDrift: boolean;
  pValue: number;
  threshold: number;
  distance: number | null;
  test: string | null;
  reference: string | null;
}

/** A markdown report (explanation or robustness) and the part its images are read from. */
export interface MarkdownReport {
  part: ReportImagePart;
  markdown: string;
}

export interface StageDeployment {
  stage: Stage;
  endpointName: string;
  /** The endpoint's status, or `NotDeployed`. */
  status: string;
  /** The model version the endpoint serves (null: none, or a model not from this group). */
  servingVersion: number | null;
  /** The last deployment started from this server, while it runs and after it ends. */
  operation: DeployOperation | null;
}

export interface DeployOperation {
  stage: Stage;
  version: number;
  state: 'deploying' | 'succeeded' | 'failed';
  message: string;
  startedAt: string;
}

/** Whether a version may deploy to a stage now, by the deploy-config rules, and why not. */
export interface DeployGate {
  allowed: boolean;
  reason: string | null;
}

export interface ModelVersionView {
  version: number;
  arn: string;
  approvalStatus: string;
  packageStatus: string | null;
  createdAt: string | null;
  description: string | null;
  approvalDescription: string | null;
  /** Stages whose in-service endpoint serves this version. */
  servedBy: Stage[];
  deploy: Record<Stage, DeployGate>;
  evaluation: EvaluationView | null;
  drift: DriftVerdict[];
  explanation: MarkdownReport | null;
  robustness: MarkdownReport | null;
  /** Reports that could not be read, with why (the rest of the page still shows). */
  reportProblems: string[];
}

export interface ModelsResponse {
  groupName: string;
  stages: StageDeployment[];
  versions: ModelVersionView[];
}

export interface ApprovalRequest {
  decision: ApprovalDecision;
  comment: string;
}

export interface DeployRequest {
  stage: Stage;
}
