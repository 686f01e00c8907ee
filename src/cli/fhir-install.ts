import { ensureFhirValidator } from '../shared/fhir-validator';

/** `npm run fhir:install`: builds the FHIR R4 validator the tests run into .tools/ (CI does it up front). */
const dir = ensureFhirValidator((m) => void process.stdout.write(`[fhir] ${m}\n`));
process.stdout.write(`[fhir] validator ready in ${dir}\n`);
