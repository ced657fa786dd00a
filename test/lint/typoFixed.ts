// The typo model with the participant event spelt right: the unchecked migration meets a
// DMA-mapped page.
import { typoModel } from './typo.js';

export default typoModel('dmaMap');
