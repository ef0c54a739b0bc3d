package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class EventSerdeTest {

  private static final String TOPIC = "fabric.requests";

  @Test
  void oneTypeRoundTripsThroughSerializerAndDeserializer() {
    Serde<PlanRequest> serde = EventSerde.of(PlanRequest.class);
    PlanRequest plan = EventFixtures.planRequest();

    byte[] bytes = serde.serializer().serialize(TOPIC, plan);

    assertThat(bytes).isEqualTo(EventCodec.standard().encode(plan));
    assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(plan);
    assertThat(serde.deserializer().deserialize(TOPIC, new RecordHeaders(), bytes)).isEqualTo(plan);
  }

  @Test
  void anyEventRoundTripsThroughTheAnySerde() {
    Serde<SpecificRecord> serde = EventSerde.any();
    for (SpecificRecord event : EventFixtures.all()) {
      byte[] bytes = serde.serializer().serialize(TOPIC, event);
      assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(event);
    }
  }

  @Test
  void nullPassesThroughBothWays() {
    Serde<PlanRequest> one = EventSerde.of(PlanRequest.class);
    Serde<SpecificRecord> any = EventSerde.any();

    assertThat(one.serializer().serialize(TOPIC, null)).isNull();
    assertThat(one.deserializer().deserialize(TOPIC, null)).isNull();
    assertThat(any.serializer().serialize(TOPIC, null)).isNull();
    assertThat(any.deserializer().deserialize(TOPIC, null)).isNull();
  }

  @Test
  void anotherEventTypeIsUnsupportedType() {
    byte[] decision =
        EventSerde.of(Decision.class).serializer().serialize(TOPIC, EventFixtures.decision());

    assertThatThrownBy(
            () -> EventSerde.of(PlanRequest.class).deserializer().deserialize(TOPIC, decision))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_TYPE));
  }

  @Test
  void garbageThrowsEventDecodeExceptionForTheExceptionHandler() {
    assertThatThrownBy(
            () -> EventSerde.any().deserializer().deserialize(TOPIC, new byte[] {'{', '}'}))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MALFORMED));
  }

  @Test
  void aSerdeForARecordThatIsNotAnEventIsRefusedUpFront() {
    assertThatThrownBy(() -> EventSerde.of(Capability.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Capability");
  }

  @Test
  void aSerdeCanUseACodecThatKnowsMoreWriterSchemas() {
    EventCodec codec = EventCodec.withWriterSchemas(List.of());
    EventSerde<PlanRequest> serde = EventSerde.of(PlanRequest.class, codec);
    PlanRequest plan = EventFixtures.planRequest();

    assertThat(serde.type()).isEqualTo(PlanRequest.class);
    assertThat(serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, plan)))
        .isEqualTo(plan);
  }
}
