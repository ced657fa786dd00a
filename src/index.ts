// The public API of the `foliocheck` package: everything a model file or a project config
// imports. Models (the shipped catalogue included) import only this module and the
// machine/property library (`foliocheck/machines`, `foliocheck/properties`);
// test/packageBoundary.test.ts enforces it. Every TypeScript model file loads this module
// in its own loader scope (src/load.ts), so it stays light: checking from a program
// (`checkRun`, `expectVerdicts`) is `foliocheck/testing`. What is exported nowhere is
// engine internals and may change without notice.

// Models: the contract every model implements.
export {
  defineModel,
  participant,
  range,
  verdictText,
  worldEvent,
  type AnyModel,
  type ArgValue,
  type Args,
  type EventOptions,
  type MachineEvent,
  type MachineInstance,
  type ModelDef,
  type ParamSpec,
  type Participant,
  type Requirement,
  type SymmetryGroup,
  type SymmetryRef,
  type System,
  type VariantSpec,
  type Verdict,
  type WorldEventSpec,
} from './model.js';

// Properties: named sentences over states, machine instances, steps and the state graph.
export {
  always,
  alwaysEach,
  deadlockFree,
  eventually,
  isFair,
  isSafety,
  never,
  neverTransition,
  possibly,
  sometimes,
  sometimesEach,
  sometimesStep,
  sometimesTransition,
  type EventuallyOptions,
  type FairView,
  type Fairness,
  type Goal,
  type InvariantOptions,
  type LocalTest,
  type ProgressProperty,
  type Property,
  type PropertyKind,
  type SafetyProperty,
  type Scope,
  type StateTest,
  type StepTest,
  type StepView,
  type TransitionTest,
  type TransitionView,
  type WorldView,
} from './property.js';

// Outcomes: how a transition reports a refusal (errno, signal, fault) as data.
export { OK, outcome, outcomeActions, outcomeOf, type OutcomeAction } from './outcome.js';

// Project configuration (foliocheck.config.ts) and flaw catalogues.
export { defineConfig, type FoliocheckConfig } from './projectConfig.js';
export type { FlawCatalogue, FlawEntry } from './catalogue.js';
