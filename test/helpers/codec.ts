import { DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { caseloopDataConverter, parsePayloadKeys } from '../../src/temporal/codec';

/** Tests encrypt payloads exactly as production does, with the development key. */
export const TEST_PAYLOAD_KEYS = parsePayloadKeys(DEVELOPMENT_PAYLOAD_KEYS);
export const testDataConverter = caseloopDataConverter(TEST_PAYLOAD_KEYS);
