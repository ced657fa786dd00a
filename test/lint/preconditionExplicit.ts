// The precondition model with the precondition stated by a stateIn guard on the punch region's transition.
import { preconditionModel } from './precondition.js';

export default preconditionModel('explicit');
