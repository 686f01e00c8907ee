package org.caseloop.fhirvalidator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 JSON resources (bundles included) against the R4 specification with HAPI's
 * instance validator (the HL7 validator core), offline: structure definitions, value sets and
 * code systems come from the R4 validation resources on the classpath.
 *
 * <p>Arguments are JSON files; with none, one resource is read from standard input. Prints one
 * JSON object: {"results":[{"file":..., "issues":[{"severity","location","message","messageId"}]}]}.
 * Starting the validator takes seconds, so callers pass every file in one run.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws IOException {
    FhirContext ctx = FhirContext.forR4();
    ValidationSupportChain support =
        new ValidationSupportChain(
            new DefaultProfileValidationSupport(ctx),
            new CommonCodeSystemsTerminologyService(ctx),
            new InMemoryTerminologyServerValidationSupport(ctx),
            new SnapshotGeneratingValidationSupport(ctx));
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(support);
    FhirValidator validator = ctx.newValidator();
    validator.registerValidatorModule(instanceValidator);

    List<String> names = new ArrayList<>();
    List<String> bodies = new ArrayList<>();
    if (args.length == 0) {
      names.add("-");
      bodies.add(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
    } else {
      for (String a : args) {
        names.add(a);
        bodies.add(Files.readString(Path.of(a), StandardCharsets.UTF_8));
      }
    }

    StringBuilder out = new StringBuilder("{\"results\":[");
    for (int i = 0; i < bodies.size(); i++) {
      if (i > 0) out.append(',');
      out.append("{\"file\":").append(quote(names.get(i))).append(",\"issues\":[");
      ValidationResult result = validator.validateWithResult(bodies.get(i));
      boolean first = true;
      for (SingleValidationMessage m : result.getMessages()) {
        if (!first) out.append(',');
        first = false;
        out.append("{\"severity\":")
            .append(quote(m.getSeverity() == null ? "" : m.getSeverity().getCode()))
            .append(",\"location\":")
            .append(quote(m.getLocationString()))
            .append(",\"message\":")
            .append(quote(m.getMessage()))
            .append(",\"messageId\":")
            .append(quote(m.getMessageId()))
            .append('}');
      }
      out.append("]}");
    }
    out.append("]}");
    System.out.println(out);
  }

  private static String quote(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }
}
