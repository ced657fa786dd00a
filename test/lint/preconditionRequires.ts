// The precondition model with the precondition stated by 'requires' on the participant that sends finishPunch.
import { preconditionModel } from './precondition.js';

export default preconditionModel('requires');
