// The precondition model with the precondition stated by nobody: the machine marks finishPunch as an event whose regions react independently.
import { preconditionModel } from './precondition.js';

export default preconditionModel('independent');
