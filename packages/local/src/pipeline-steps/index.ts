import type { StepType } from '../pipeline-graph.js';
import { conditionStep } from './condition.js';
import { endpointConfigStep } from './endpoint-config.js';
import { endpointStep } from './endpoint.js';
import { failStep } from './fail.js';
import { lambdaStep } from './lambda.js';
import { modelStep } from './model.js';
import { processingStep } from './processing.js';
import { registerModelStep } from './register-model.js';
import { trainingStep } from './training.js';
import { transformStep } from './transform.js';
import { tuningStep } from './tuning.js';
import type { StepAction } from './types.js';

export type { RunningExecution, StepAction, StepInvocation, StepResult, StepServices } from './types.js';

/** What each step type does, one module per type; a step type local mode runs has an entry here. */
export const STEP_ACTIONS: Readonly<Record<StepType, StepAction>> = {
  Processing: processingStep,
  Training: trainingStep,
  Tuning: tuningStep,
  Model: modelStep,
  RegisterModel: registerModelStep,
  Condition: conditionStep,
  Fail: failStep,
  EndpointConfig: endpointConfigStep,
  Endpoint: endpointStep,
  Lambda: lambdaStep,
  Transform: transformStep,
};
