package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.kernel.internal.ResourcePattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourcePatternTest {
  @ParameterizedTest(name = "{0} ~ {1} -> {2}")
  @CsvSource({
    "acme/docs/*, acme/docs/a, true",
    "acme/docs/*, acme/docs/a/b, false",
    "acme/docs/**, acme/docs/a/b, true",
    "acme/docs/**, acme/docsx/a, false",
    "acme/docs/**, acme/docs, false",
    "acme/mail/*, acme/mail/outbox, true",
    "acme/*/outbox, acme/mail/outbox, true",
    "acme/d?cs/a, acme/docs/a, true",
    "acme/d?cs/a, acme/d/cs/a, false",
    "acme/Docs/*, acme/docs/a, false",
    "acme/docs/a.b, acme/docs/aXb, false",
    "acme/docs/(x), acme/docs/(x), true",
  })
  void matchesGlobs(String glob, String resource, boolean expected) {
    assertThat(ResourcePattern.matches(glob, resource)).isEqualTo(expected);
  }
}
